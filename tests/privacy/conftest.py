"""Fixtures of the privacy tests."""

from tests.cogs.test_events import esim  # noqa: F401 - the events-only simulator
