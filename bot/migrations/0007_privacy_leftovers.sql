-- Calendar files and the privacy leftovers of issue 16.

-- One random id per installation, made once when this migration runs: calendar UIDs carry it so
-- that two bots' files never collide in one calendar app.
CREATE TABLE installation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    uid         TEXT NOT NULL
);
INSERT INTO installation(id, uid) VALUES (1, lower(hex(randomblob(12))));

-- The revision of an event as calendar apps see it (the SEQUENCE of its VEVENT): it grows with every
-- change that alters the calendar file, whichever code path makes it.
ALTER TABLE events ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER events_sequence_on_edit AFTER UPDATE OF
    title, description, place, start_local, fold, zone, duration_minutes, repeat, until_date, status
ON events
WHEN OLD.title IS NOT NEW.title OR OLD.description IS NOT NEW.description OR OLD.place IS NOT NEW.place
  OR OLD.start_local IS NOT NEW.start_local OR OLD.fold IS NOT NEW.fold OR OLD.zone IS NOT NEW.zone
  OR OLD.duration_minutes IS NOT NEW.duration_minutes OR OLD.repeat IS NOT NEW.repeat
  OR OLD.until_date IS NOT NEW.until_date OR OLD.status IS NOT NEW.status
BEGIN
    UPDATE events SET sequence = sequence + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER events_sequence_on_skip AFTER INSERT ON event_skips
BEGIN
    UPDATE events SET sequence = sequence + 1 WHERE id = NEW.event_id;
END;

CREATE TRIGGER events_sequence_on_unskip AFTER DELETE ON event_skips
BEGIN
    UPDATE events SET sequence = sequence + 1 WHERE id = OLD.event_id;
END;

CREATE TRIGGER events_sequence_on_text AFTER INSERT ON event_texts
BEGIN
    UPDATE events SET sequence = sequence + 1 WHERE id = NEW.event_id;
END;

CREATE TRIGGER events_sequence_on_text_edit AFTER UPDATE ON event_texts
BEGIN
    UPDATE events SET sequence = sequence + 1 WHERE id = NEW.event_id;
END;

-- The member a scheduled job is about (a reminder to them, a notice about them): such rows are
-- deleted with the member's data. Rows planned before this column existed name the member in their
-- payload's "user".
ALTER TABLE scheduled_jobs ADD COLUMN subject INTEGER;
UPDATE scheduled_jobs SET subject = json_extract(payload, '$.user')
WHERE json_type(payload, '$.user') = 'integer';
CREATE INDEX scheduled_jobs_subject ON scheduled_jobs (subject) WHERE subject IS NOT NULL;

-- When a member with a mentoring profile left the server (NULL: present). A departed member is not
-- proposed in a round; coming back clears it.
ALTER TABLE mentoring_profiles ADD COLUMN left_at TEXT;

-- Who sent a question to the volunteers, as a keyed digest of their id (volunteers never see it):
-- enough for the member's export and deletion to find their own questions, nothing more.
ALTER TABLE faq_unanswered ADD COLUMN asked_by TEXT;
CREATE INDEX faq_unanswered_asked_by ON faq_unanswered (asked_by) WHERE asked_by IS NOT NULL;

-- Messages the bot posted that name a member (a help request in the coordinators' channel, a pair's
-- introduction, a check-in prompt in a thread). When that member's data is deleted, each is edited to
-- a neutral text by a job (`core.redact-message`) planned in the deletion's transaction.
CREATE TABLE bot_messages_about (
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (message_id, user_id)
);
CREATE INDEX bot_messages_about_user ON bot_messages_about (user_id);
