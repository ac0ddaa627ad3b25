"""The Matrix adapter: the conversation port on a Matrix homeserver (see `bot.matrix.client`)."""
