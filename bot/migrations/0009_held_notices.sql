-- Messages the bot promised a member but could not deliver directly (direct messages closed or not
-- allowed): kept until the member's next turn, when they are shown privately, then deleted.
-- `payload` holds only ids and codes the feature needs to write the message again in the member's
-- language at that moment (never the text itself).
CREATE TABLE held_notices (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    guild_id    INTEGER,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL UNIQUE,
    payload     TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL
);
CREATE INDEX held_notices_by_user ON held_notices(user_id, id);
