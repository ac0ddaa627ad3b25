-- Before the bot asks Discord for a pair's private thread it records that it is doing so. A retry
-- after a crash between Discord creating the thread and the bot storing its id then looks for that
-- thread (by its name, parent and owner) and reuses it instead of opening a second one.
ALTER TABLE mentoring_matches ADD COLUMN thread_requested_at TEXT;
