-- Files found in order folders that the bot did not put there itself (copied by hand or by the
-- dealer's other programs). A file delivered to clients is a `media` row (kind, file_id
-- 'share-file:<rel_path>', employee_id 0); this table remembers every path the folder watcher has
-- settled, so nothing is sent twice, after a restart neither.
CREATE TABLE folder_files (
    rel_path  TEXT    PRIMARY KEY,                   -- relative to BRANCH_PHOTO, '/' separators
    order_id  INTEGER NOT NULL REFERENCES orders (id),
    state     TEXT    NOT NULL CHECK (state IN ('baseline', 'media', 'too_big')),
    size      INTEGER NOT NULL,
    mtime_ns  INTEGER NOT NULL,
    seen_at   REAL    NOT NULL
);
CREATE INDEX folder_files_order ON folder_files (order_id);

-- When the folder watcher first ran on this database: files of orders the bot already knew then
-- are the dealer's history ('baseline'), not news for the client.
CREATE TABLE folder_watch (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    started_at REAL    NOT NULL
);

-- Orders the watcher has looked at. Its first look at an order tells the dealer's history (files
-- that arrived before the watcher first ran) from news; after that every new path is news,
-- whatever dates a copy program kept.
CREATE TABLE folder_watch_orders (
    order_id   INTEGER PRIMARY KEY REFERENCES orders (id),
    first_look REAL    NOT NULL
);
