-- Onboarding: one row per member and guild with the welcome flow's state, the greeting queue and
-- aggregate funnel counters (which stay when a member's own data is deleted).

CREATE TABLE onboarding_members (
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    -- The step the flow is at: language, consent, topics, area, mentor, done.
    step            TEXT NOT NULL DEFAULT 'language',
    -- NULL: not asked yet; 1: answers may be stored; 0: only the language choice is kept.
    consent         INTEGER,
    -- JSON list of coarse help topics; NULL when not answered (or deleted after a declined consent).
    help_topics     TEXT,
    area            TEXT,
    wants_mentor    INTEGER,
    -- Bit set of funnel stages this member already counted for (so stats count each stage once).
    reached         INTEGER NOT NULL DEFAULT 0,
    joined_at       TEXT NOT NULL,
    -- 1 while the member waits in Rules Screening (no greeting, no roles).
    pending         INTEGER NOT NULL DEFAULT 0,
    -- NULL until the member has been greeted in the welcome channel (or the greeting was skipped).
    greeted_at      TEXT,
    started_at      TEXT,
    finished_at     TEXT,
    left_at         TEXT,
    -- 1 after a rejoin until the member chose "continue" or "start over".
    rejoined        INTEGER NOT NULL DEFAULT 0,
    card_message_id INTEGER,
    claimed_by      INTEGER,
    claimed_at      TEXT,
    PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX onboarding_members_ungreeted ON onboarding_members (guild_id, joined_at) WHERE greeted_at IS NULL;
CREATE INDEX onboarding_members_user ON onboarding_members (user_id);

-- Aggregates only: how many members reached each stage of the funnel.
CREATE TABLE onboarding_funnel (
    guild_id  INTEGER NOT NULL,
    stage     TEXT NOT NULL,
    count     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, stage)
);
