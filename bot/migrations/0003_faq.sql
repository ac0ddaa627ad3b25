-- The translated FAQ: entries, their texts per language, every revision, and the unanswered queue.

CREATE TABLE faq_entries (
    id               INTEGER PRIMARY KEY,
    slug             TEXT NOT NULL UNIQUE,
    category         TEXT NOT NULL,
    -- Space-separated onboarding help topics (work, housing, swedish, ...).
    topics           TEXT NOT NULL DEFAULT '',
    -- JSON list of official source links.
    sources          TEXT NOT NULL DEFAULT '[]',
    source_language  TEXT NOT NULL CHECK (source_language IN ('sv', 'en')),
    -- The volunteer responsible for keeping it right (NULL: the community).
    owner_id         INTEGER,
    last_checked     TEXT NOT NULL,
    review_days      INTEGER NOT NULL DEFAULT 180,
    -- Bumped whenever the source-language question or answer changes.
    source_revision  INTEGER NOT NULL DEFAULT 1,
    origin           TEXT NOT NULL DEFAULT 'volunteer',
    removed_at       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE faq_texts (
    entry_id           INTEGER NOT NULL REFERENCES faq_entries(id) ON DELETE CASCADE,
    language           TEXT NOT NULL,
    -- Empty question and answer: only search aliases are known in this language.
    question           TEXT NOT NULL DEFAULT '',
    answer             TEXT NOT NULL DEFAULT '',
    -- Newline-separated search aliases.
    aliases            TEXT NOT NULL DEFAULT '',
    -- The entry's source_revision this text was made from (current when equal).
    based_on_revision  INTEGER NOT NULL DEFAULT 0,
    reviewed           INTEGER NOT NULL DEFAULT 0,
    updated_by         INTEGER,
    updated_at         TEXT NOT NULL,
    PRIMARY KEY (entry_id, language)
);

CREATE TABLE faq_revisions (
    id           INTEGER PRIMARY KEY,
    entry_id     INTEGER NOT NULL REFERENCES faq_entries(id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    -- NULL with author_deleted = 0: the starter set or an import; author_deleted = 1: a member who
    -- deleted their data.
    author_id    INTEGER,
    author_deleted INTEGER NOT NULL DEFAULT 0,
    action       TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    -- JSON: the entry's content after the change (no member ids).
    snapshot     TEXT NOT NULL,
    UNIQUE (entry_id, number)
);
CREATE INDEX faq_revisions_author ON faq_revisions (author_id) WHERE author_id IS NOT NULL;

-- Questions members said were not answered. Who asked is never stored.
CREATE TABLE faq_unanswered (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER,
    question     TEXT NOT NULL,
    language     TEXT NOT NULL,
    entry_slug   TEXT,
    created_at   TEXT NOT NULL,
    resolved_at  TEXT
);
CREATE INDEX faq_unanswered_open ON faq_unanswered (created_at) WHERE resolved_at IS NULL;

CREATE TABLE faq_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
