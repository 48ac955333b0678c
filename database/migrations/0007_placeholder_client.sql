-- Placeholder (branch client): keeps migrations consecutive until the lead renumbers 0010 on merge.
-- Delete this file when merging; it changes nothing.
SELECT 1;
