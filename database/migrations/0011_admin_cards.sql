-- Admin cards (issue 16.3): when a person last used the bot, what they touched, and staff registered
-- in advance by phone.

-- Unix time of the person's latest update, written at most once every few minutes (services/last_seen.py).
ALTER TABLE users ADD COLUMN last_seen REAL;

-- A phone an admin registered before its owner connected: the level and name are applied in the
-- transaction that connects the phone (database.users.connect), then the row is deleted.
CREATE TABLE staff_invites (
    id         INTEGER PRIMARY KEY,
    phone      TEXT    NOT NULL UNIQUE,       -- normalized (+<digits>)
    level      INTEGER NOT NULL CHECK (level IN (1, 2, 4)),
    name       TEXT,
    created_by INTEGER NOT NULL,              -- the admin told when the phone connects
    created_at REAL    NOT NULL
);

-- "Orders touched" on a card: what a person filed and wrote, found without scanning the tables.
CREATE INDEX media_employee ON media (employee_id, order_id);
CREATE INDEX protocol_sender ON protocol (sender_id, order_id) WHERE sender_id IS NOT NULL;
