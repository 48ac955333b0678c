-- Placeholder (branch share): keeps migration numbers consecutive until the lead renumbers on merge.
SELECT 1;
