-- Files a staff member sent before choosing the order's stage (or the order): kept (by Telegram file id)
-- until a stage is tapped, then filed and delivered like any other; a restart loses none of them.
CREATE TABLE held_media (
    dedup_key  TEXT    PRIMARY KEY,               -- "<chat id>:<message id>", as media.dedup_key
    staff_id   INTEGER NOT NULL,
    order_id   INTEGER REFERENCES orders (id),    -- NULL: sent before an order was chosen
    payload    TEXT    NOT NULL,                  -- JSON of services.media.IncomingFile
    created_at REAL    NOT NULL
);
CREATE INDEX held_media_staff ON held_media (staff_id, order_id);

-- 1: the staff member is in the order's chat, so a typed text goes to its client. Opening an order
-- sets it; /order (the calendar, a search) clears it. Rows from before this migration keep relaying.
ALTER TABLE work_context ADD COLUMN chatting INTEGER NOT NULL DEFAULT 1;
