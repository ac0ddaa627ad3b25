-- Core tables: the member's language choice, per-guild configuration, durable scheduled work.

CREATE TABLE member_prefs (
    user_id      INTEGER PRIMARY KEY,
    language     TEXT,
    -- 1 when the member has allowed the bot to send them direct messages.
    dm_allowed   INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL
);

CREATE TABLE guild_config (
    guild_id     INTEGER NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, key)
);

-- Everything that must happen at a time: the database is the source of truth, the scheduler only
-- wakes the bot at the earliest due_at. `key` is stable so that re-planning is idempotent.
CREATE TABLE scheduled_jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    key          TEXT NOT NULL UNIQUE,
    due_at       TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'claimed', 'done', 'missed', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    claimed_at   TEXT,
    finished_at  TEXT,
    last_error   TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX scheduled_jobs_pending ON scheduled_jobs (due_at) WHERE state = 'pending';
CREATE INDEX scheduled_jobs_kind_state ON scheduled_jobs (kind, state);
