-- The care queue: who of care took a client's request, since when it waits for an answer, reminders.

-- taken_by: the care user (or admin) who pressed "взять"; NULL while nobody has, and again once closed.
ALTER TABLE care_threads ADD COLUMN taken_by INTEGER;
-- waiting_since: the first client message to care not answered yet; NULL when answered or closed.
ALTER TABLE care_threads ADD COLUMN waiting_since REAL;
-- reminded: 0 — no reminder yet for this wait, 1 — care reminded, 2 — the admins too.
ALTER TABLE care_threads ADD COLUMN reminded INTEGER NOT NULL DEFAULT 0;
CREATE INDEX care_threads_waiting ON care_threads (waiting_since) WHERE waiting_since IS NOT NULL;
