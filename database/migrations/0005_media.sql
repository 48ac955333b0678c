-- Photos, videos and documents employees filed into order folders, and who received them.
CREATE TABLE media (
    id             INTEGER PRIMARY KEY,
    dedup_key      TEXT    NOT NULL UNIQUE,           -- "<employee chat id>:<message id>": saved once
    order_id       INTEGER NOT NULL REFERENCES orders (id),
    type_label     TEXT    NOT NULL,                  -- the TYPE_ORDER label chosen when it was filed
    subfolder      TEXT    NOT NULL,                  -- the TYPE_ORDER folder it went into
    rel_path       TEXT    NOT NULL,                  -- relative to BRANCH_PHOTO, '/' separators
    file_id        TEXT    NOT NULL,                  -- Telegram file_id: sent on without re-upload
    kind           TEXT    NOT NULL CHECK (kind IN ('photo', 'video', 'document')),
    caption        TEXT    NOT NULL DEFAULT '',
    employee_id    INTEGER NOT NULL,
    chat_id        INTEGER NOT NULL,
    message_id     INTEGER NOT NULL,
    media_group_id TEXT,
    size           INTEGER,
    hidden         INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),  -- service type: never sent
    created_at     REAL    NOT NULL
);
CREATE INDEX media_order ON media (order_id, id);

-- Which client a filed file was queued for, and under which outbox key. A claim whose outbox row
-- ended blocked/failed may be taken over by a later delivery (the client came back); any other
-- claim means "already on its way", so nothing is sent twice.
CREATE TABLE media_deliveries (
    media_id   INTEGER NOT NULL REFERENCES media (id),
    client_id  INTEGER NOT NULL,
    outbox_key TEXT    NOT NULL,
    claimed_at REAL    NOT NULL,
    PRIMARY KEY (media_id, client_id)
);
