"""The Discord edge: the Bot subclass, the error path, the command translator and UI helpers."""
