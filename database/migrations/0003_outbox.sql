-- Deliveries waiting to be sent: a restart, a 429 or a network error delays them, never loses them.
CREATE TABLE outbox_batches (
    id         INTEGER PRIMARY KEY,
    dedup_key  TEXT UNIQUE,
    report_to  INTEGER,                    -- chat told how the batch went, when all items are done
    kind       TEXT    NOT NULL,           -- which reporter builds that message
    params     TEXT    NOT NULL DEFAULT '{}',
    status     TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'reported')),
    created_at REAL    NOT NULL
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    dedup_key       TEXT UNIQUE,           -- the same key is enqueued once, however often asked
    chat_id         INTEGER NOT NULL,
    method          TEXT    NOT NULL,      -- message | photo | video | document | media_group
    payload         TEXT    NOT NULL,      -- JSON arguments of the Bot API call
    batch_id        INTEGER REFERENCES outbox_batches (id),
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'blocked', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL    NOT NULL,
    last_error      TEXT,
    created_at      REAL    NOT NULL,
    sent_at         REAL,
    message_ids     TEXT                   -- JSON list of the message ids Telegram gave
);
CREATE INDEX outbox_pending ON outbox (status, id);
CREATE INDEX outbox_batch ON outbox (batch_id);
