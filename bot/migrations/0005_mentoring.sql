-- Mentor matching: opt-in profiles, rounds of proposed pairs, matches, check-ins and feedback.

-- One row per member and role (a person may both ask for and offer help). JSON lists of codes.
CREATE TABLE mentoring_profiles (
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('mentor', 'newcomer')),
    languages      TEXT NOT NULL,               -- {"ar": 3, "sv": 1}
    help           TEXT NOT NULL DEFAULT '[]',
    interests      TEXT NOT NULL DEFAULT '[]',
    area           TEXT,
    availability   TEXT NOT NULL DEFAULT '[]',
    capacity       INTEGER NOT NULL DEFAULT 1 CHECK (capacity BETWEEN 1 AND 5),
    paused_until   TEXT,                        -- a date (YYYY-MM-DD), inclusive
    source         TEXT NOT NULL DEFAULT 'command',
    told_unmatched_at TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id, role)
);

CREATE TABLE mentoring_rounds (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    created_by     INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    -- JSON {newcomer_id: reason} of who stayed unmatched in this round.
    unmatched      TEXT NOT NULL DEFAULT '{}'
);

-- A pair through its life: proposed (in a round) -> invited -> active -> ended, or declined.
CREATE TABLE mentoring_matches (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    round_id         INTEGER REFERENCES mentoring_rounds(id) ON DELETE SET NULL,
    position         INTEGER,
    mentor_id        INTEGER NOT NULL,
    newcomer_id      INTEGER NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('proposed', 'invited', 'active', 'declined', 'ended')),
    score            INTEGER NOT NULL DEFAULT 0,
    reasons          TEXT NOT NULL DEFAULT '[]',
    manual           INTEGER NOT NULL DEFAULT 0,
    approved_by      INTEGER,
    mentor_answer    TEXT CHECK (mentor_answer IN ('accepted', 'declined')),
    newcomer_answer  TEXT CHECK (newcomer_answer IN ('accepted', 'declined')),
    -- How each invitation reached them: 'dm' or 'prompt' (waits for their next /mentor command).
    mentor_delivery  TEXT,
    newcomer_delivery TEXT,
    mentor_prompted  INTEGER NOT NULL DEFAULT 0,
    newcomer_prompted INTEGER NOT NULL DEFAULT 0,
    thread_id        INTEGER,
    created_at       TEXT NOT NULL,
    invited_at       TEXT,
    started_at       TEXT,
    ended_at         TEXT,
    ended_by         TEXT CHECK (ended_by IN ('mentor', 'newcomer', 'coordinator', 'decline'))
);
CREATE INDEX mentoring_matches_guild_state ON mentoring_matches (guild_id, state);
CREATE INDEX mentoring_matches_mentor ON mentoring_matches (mentor_id);
CREATE INDEX mentoring_matches_newcomer ON mentoring_matches (newcomer_id);

-- Pairs never to propose again: one side declined or ended it, or coordinators said so (private).
CREATE TABLE mentoring_exclusions (
    guild_id     INTEGER NOT NULL,
    mentor_id    INTEGER NOT NULL,
    newcomer_id  INTEGER NOT NULL,
    reason       TEXT NOT NULL CHECK (reason IN ('declined', 'ended', 'coordinator')),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, mentor_id, newcomer_id, reason)
);

CREATE TABLE mentoring_checkins (
    match_id     INTEGER NOT NULL REFERENCES mentoring_matches(id) ON DELETE CASCADE,
    stage        TEXT NOT NULL CHECK (stage IN ('7d', '1m', '3m')),
    user_id      INTEGER NOT NULL,
    answer       TEXT NOT NULL CHECK (answer IN ('met', 'not_yet', 'help')),
    answered_at  TEXT NOT NULL,
    PRIMARY KEY (match_id, stage, user_id)
);

CREATE TABLE mentoring_feedback (
    match_id     INTEGER NOT NULL REFERENCES mentoring_matches(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    rating       INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment      TEXT,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (match_id, user_id)
);

-- Counters kept when personal rows are deleted: /match stats reports only these aggregates.
CREATE TABLE mentoring_aggregates (
    guild_id     INTEGER NOT NULL,
    metric       TEXT NOT NULL,
    value        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, metric)
);
