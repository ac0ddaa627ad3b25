-- The Matrix adapter's own tables. The features keep integer ids (Discord snowflakes on Discord);
-- on Matrix every id they see is a local integer that this mapping translates at the edge.

-- A Matrix id (a user `@a:hs`, a room `!r:hs`, the space, an event `$e`) and its local integer.
CREATE TABLE matrix_ids (
    local_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL CHECK (kind IN ('user', 'room', 'event')),
    matrix_id   TEXT NOT NULL UNIQUE
);

-- Small values the adapter keeps across restarts: the sync position (`next_batch`), the device.
CREATE TABLE matrix_state (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- The direct room the bot created for a member (unencrypted, marked direct), by local user id.
CREATE TABLE matrix_direct_rooms (
    user_id     INTEGER PRIMARY KEY,
    room_id     TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

-- Encrypted rooms where a member wrote and the bot told them once how to reach it.
CREATE TABLE matrix_encrypted_told (
    room_id     TEXT PRIMARY KEY,
    told_at     TEXT NOT NULL
);

-- The prompt a member is answering: a numbered choice or a form dialogue (one field a message).
-- `action` is the flow's Action wire form; `options` the choice's options or the form's fields as JSON;
-- `answers` the form's answers so far. One open prompt per member and room; a prompt posted in a
-- shared room (buttons of an announcement) has no member (NULL) and is found by its event.
CREATE TABLE matrix_prompts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER,
    room_id     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('choice', 'form')),
    action      TEXT NOT NULL,
    options     TEXT NOT NULL,
    answers     TEXT NOT NULL DEFAULT '{}',
    position    INTEGER NOT NULL DEFAULT 0,
    language    TEXT NOT NULL,
    event_id    TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (user_id, room_id)
);
CREATE INDEX matrix_prompts_event ON matrix_prompts(event_id);

-- Labels (Discord: roles) a member holds on Matrix, where no room membership stands for them.
CREATE TABLE matrix_labels (
    user_id     INTEGER NOT NULL,
    community   INTEGER NOT NULL,
    label       TEXT NOT NULL,
    PRIMARY KEY (user_id, community, label)
);
