-- Events, free announcements, their posts, RSVPs and reminders.
-- Local times are stored as wall-clock text 'YYYY-MM-DDTHH:MM' with the IANA zone beside them;
-- instants (created_at, posted_at) as UTC text. Planned posts and reminders are scheduled_jobs rows.

CREATE TABLE events (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    place            TEXT NOT NULL DEFAULT '',
    language         TEXT NOT NULL,
    start_local      TEXT NOT NULL,
    fold             INTEGER NOT NULL DEFAULT 0,
    zone             TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    capacity         INTEGER,
    repeat           TEXT NOT NULL DEFAULT 'none' CHECK (repeat IN ('none', 'weekly', 'biweekly', 'monthly')),
    until_date       TEXT,
    channel_id       INTEGER,
    announce_days    INTEGER NOT NULL DEFAULT 1,
    announce_time    TEXT NOT NULL DEFAULT '18:00',
    reminders        TEXT NOT NULL DEFAULT '[]',
    mirror           INTEGER NOT NULL DEFAULT 0,
    discord_event_id INTEGER,
    status           TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'cancelled')),
    created_by       INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX events_guild ON events (guild_id, status);

-- Title and description in other languages (`/event translate`).
CREATE TABLE event_texts (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    language    TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, language)
);

-- Single dates of a repeating event that are cancelled.
CREATE TABLE event_skips (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    occurrence  TEXT NOT NULL,
    PRIMARY KEY (event_id, occurrence)
);

-- One announcement per occurrence; `message_id` is set once Discord has it (idempotent sends).
CREATE TABLE event_posts (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    occurrence  TEXT NOT NULL,
    channel_id  INTEGER,
    message_id  INTEGER,
    nonce       TEXT NOT NULL,
    posted_at   TEXT,
    late        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, occurrence)
);

CREATE TABLE event_rsvps (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    occurrence  TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('going', 'maybe', 'cant', 'waiting')),
    -- Increases at every change of status: the waiting list is served in this order.
    seq         INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (event_id, occurrence, user_id)
);
CREATE INDEX event_rsvps_user ON event_rsvps (user_id);

-- Which reminder went to whom (so a re-run after a crash sends nobody a second one).
CREATE TABLE event_reminder_log (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    occurrence  TEXT NOT NULL,
    minutes     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    PRIMARY KEY (event_id, occurrence, minutes, user_id)
);
CREATE INDEX event_reminder_log_user ON event_reminder_log (user_id);

-- A member's own choice about reminders (1: send them, 0: never).
CREATE TABLE event_member_settings (
    user_id     INTEGER PRIMARY KEY,
    reminders   INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL
);

-- Free announcements (`/announce schedule`).
CREATE TABLE announcements (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    start_local TEXT NOT NULL,
    fold        INTEGER NOT NULL DEFAULT 0,
    zone        TEXT NOT NULL,
    repeat      TEXT NOT NULL DEFAULT 'none' CHECK (repeat IN ('none', 'weekly', 'biweekly', 'monthly')),
    until_date  TEXT,
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE announcement_texts (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    language        TEXT NOT NULL,
    body            TEXT NOT NULL,
    position        INTEGER NOT NULL,
    PRIMARY KEY (announcement_id, language)
);

CREATE TABLE announcement_posts (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    occurrence      TEXT NOT NULL,
    message_id      INTEGER,
    nonce           TEXT NOT NULL,
    posted_at       TEXT,
    PRIMARY KEY (announcement_id, occurrence)
);
