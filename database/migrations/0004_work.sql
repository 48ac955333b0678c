-- What each staff member is working on, who last wrote to each client, and the protocol.
CREATE TABLE work_context (
    telegram_id    INTEGER PRIMARY KEY,            -- the staff member
    order_id       INTEGER REFERENCES orders (id),
    type_label     TEXT,                           -- a TYPE_ORDER label, NULL until chosen
    pin_message_id INTEGER,                        -- the pinned "order / stage" message
    updated_at     REAL    NOT NULL
);

-- The staff member who last sent a client a file or a message, and the order it was about.
CREATE TABLE client_contacts (
    client_id   INTEGER PRIMARY KEY,
    staff_id    INTEGER NOT NULL,
    order_id    INTEGER REFERENCES orders (id),
    via_care    INTEGER NOT NULL DEFAULT 0,        -- 1 when the last exchange was with customer care
    updated_at  REAL    NOT NULL
);

-- Every message in both directions, files included; order_id NULL = outside open orders.
CREATE TABLE protocol (
    id           INTEGER PRIMARY KEY,
    dedup_key    TEXT UNIQUE,
    at           REAL    NOT NULL,
    order_id     INTEGER REFERENCES orders (id),
    order_number TEXT,
    sender_id    INTEGER,
    sender_role  INTEGER,
    sender_name  TEXT    NOT NULL DEFAULT '',
    recipient    TEXT    NOT NULL DEFAULT '',     -- who it went to, in words ("клиент +375...", "служба заботы")
    kind         TEXT    NOT NULL,                 -- text | photo | video | document | note
    text         TEXT    NOT NULL DEFAULT '',
    file_path    TEXT,
    archived     INTEGER NOT NULL DEFAULT 0        -- 1 once appended to the archive .txt file
);
CREATE INDEX protocol_order ON protocol (order_id, id);
CREATE INDEX protocol_unarchived ON protocol (archived) WHERE archived = 0;
