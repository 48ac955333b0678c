-- The owner's side of a digital inspection: invitations, order statuses, condition marks on filed
-- photos and videos, and recommendations the owner approves or declines.

-- One invitation per order: a random token (never the order number) for t.me/<bot>?start=<token>.
CREATE TABLE order_invites (
    order_id   INTEGER PRIMARY KEY REFERENCES orders (id),
    token      TEXT    NOT NULL UNIQUE,
    created_by INTEGER NOT NULL,           -- the staff member who made it
    created_at REAL    NOT NULL,
    expires_at REAL    NOT NULL
);

-- Every status an order was given, in order; the newest row is the current status.
-- status is a key of config ORDER_STATUSES (stable; the label shown may change).
CREATE TABLE order_statuses (
    id       INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    status   TEXT    NOT NULL,
    set_by   INTEGER NOT NULL,
    set_at   REAL    NOT NULL
);
CREATE INDEX order_statuses_order ON order_statuses (order_id, id);

-- A condition mark on a filed photo or video: ok (🟢), soon (🟡), now (🔴), with a short note.
CREATE TABLE media_marks (
    media_id  INTEGER PRIMARY KEY REFERENCES media (id),
    mark      TEXT    NOT NULL CHECK (mark IN ('ok', 'soon', 'now')),
    note      TEXT    NOT NULL DEFAULT '',
    marked_by INTEGER NOT NULL,
    marked_at REAL    NOT NULL
);

-- Work the staff recommend; the owner approves or declines each once (decision NULL until then).
-- Prices are in kopecks (integer) so sums are exact.
CREATE TABLE recommendations (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL REFERENCES orders (id),
    title         TEXT    NOT NULL,
    reason        TEXT    NOT NULL DEFAULT '',
    price         INTEGER NOT NULL CHECK (price >= 0),
    created_by    INTEGER NOT NULL,
    created_at    REAL    NOT NULL,
    decision      TEXT    CHECK (decision IN ('approved', 'declined')),
    decided_by    INTEGER,
    decided_at    REAL,
    decided_price INTEGER                  -- the price the owner saw when deciding
);
CREATE INDEX recommendations_order ON recommendations (order_id, id);

-- The marked photos a recommendation is about.
CREATE TABLE recommendation_media (
    recommendation_id INTEGER NOT NULL REFERENCES recommendations (id),
    media_id          INTEGER NOT NULL REFERENCES media (id),
    PRIMARY KEY (recommendation_id, media_id)
);
