-- Users, dialog state and the inbox of updates not yet fully handled.
CREATE TABLE users (
    telegram_id   INTEGER PRIMARY KEY,
    phone         TEXT    NOT NULL,
    name          TEXT,                                  -- set by an admin; shown to clients
    tg_name       TEXT    NOT NULL DEFAULT '',           -- Telegram's own name, for lists
    level         INTEGER NOT NULL DEFAULT 3 CHECK (level IN (1, 2, 3, 4)),
    activity      INTEGER NOT NULL DEFAULT 1 CHECK (activity IN (1, 2)),
    reachable     INTEGER NOT NULL DEFAULT 1,            -- 0 once Telegram says the user blocked the bot
    start_payload TEXT,                                  -- deep-link payload of the last /start
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX users_phone ON users (phone);
CREATE INDEX users_level ON users (level, activity);

CREATE TABLE fsm (
    key   TEXT PRIMARY KEY,
    state TEXT,
    data  TEXT NOT NULL DEFAULT '{}'
);

-- An update is written here before getUpdates confirms it and deleted when handled.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    chat_id     INTEGER,
    payload     TEXT    NOT NULL,
    received_at REAL    NOT NULL
);

-- Recently handled update ids, so a redelivered update is not handled twice.
CREATE TABLE handled_updates (
    update_id  INTEGER PRIMARY KEY,
    handled_at REAL NOT NULL
);
