-- Work orders: one row per order folder ever seen directly inside BRANCH_PHOTO.
-- Rows are never deleted: callback buttons carry `id`, and a folder that comes back reopens its row.
CREATE TABLE orders (
    id               INTEGER PRIMARY KEY,
    number           TEXT    NOT NULL UNIQUE,            -- the folder name
    number_fold      TEXT    NOT NULL,                   -- casefold(number), for case-insensitive search
    barcode          TEXT,                               -- stripped; NULL when absent
    phone            TEXT,                               -- normalize_phone(); NULL when absent or not a phone
    phone_raw        TEXT,                               -- as written in content.txt
    plate            TEXT,                               -- normalize_plate(); NULL when empty
    data_ok          INTEGER NOT NULL DEFAULT 0 CHECK (data_ok IN (0, 1)),
    problem          TEXT,                               -- missing / unreadable / malformed / no_phone
    is_open          INTEGER NOT NULL DEFAULT 1 CHECK (is_open IN (0, 1)),
    calendar_date    TEXT    NOT NULL,                   -- YYYY-MM-DD, set once when first seen
    first_seen       INTEGER NOT NULL,                   -- unix ts
    dir_mtime_ns     INTEGER,                            -- folder mtime when content.txt was last read
    content_mtime_ns INTEGER,                            -- content.txt fingerprint; NULL when missing
    content_size     INTEGER,
    updated_at       INTEGER NOT NULL                    -- unix ts
);
CREATE INDEX orders_open_date ON orders (is_open, calendar_date);
CREATE INDEX orders_barcode ON orders (barcode);
CREATE INDEX orders_plate ON orders (plate);
CREATE INDEX orders_phone ON orders (phone);
