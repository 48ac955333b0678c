-- Who may be answered by customer care, and what clients stored in order folders (upload quotas).

-- A client who wrote to customer care (or to the admins outside orders): care may answer only them.
-- care_id is whoever of care answered last (NULL until someone did): a client's plain message
-- goes back to them only when no employee is working with the client on an open order.
CREATE TABLE care_threads (
    client_id   INTEGER PRIMARY KEY,
    care_id     INTEGER,
    opened_at   REAL    NOT NULL,
    answered_at REAL
);

-- Every file a client stored into an order folder, with its size, for the per-order and per-day quotas.
CREATE TABLE client_uploads (
    dedup_key  TEXT    PRIMARY KEY,        -- "<chat id>:<message id>" of the client's message
    client_id  INTEGER NOT NULL,
    order_id   INTEGER NOT NULL REFERENCES orders (id),
    day        TEXT    NOT NULL,           -- local date, YYYY-MM-DD
    size       INTEGER NOT NULL,
    at         REAL    NOT NULL
);
CREATE INDEX client_uploads_day ON client_uploads (client_id, day);
CREATE INDEX client_uploads_order ON client_uploads (client_id, order_id);

-- A client's reply to a bot message is routed to whoever sent that message: found by chat.
CREATE INDEX outbox_chat ON outbox (chat_id, id);

-- The latest owner of a phone keeps it: client accounts that shared a phone with a newer client account
-- lose it (they may connect the number again with /start), so one account gets that phone's orders.
UPDATE users SET phone = ''
WHERE level = 3 AND phone != '' AND EXISTS (
    SELECT 1 FROM users newer
    WHERE newer.phone = users.phone AND newer.level = 3
      AND (newer.created_at > users.created_at
           OR (newer.created_at = users.created_at AND newer.telegram_id > users.telegram_id))
);
