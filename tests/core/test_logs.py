"""Tracebacks in the logs carry frames and exception types, never exception messages."""

from __future__ import annotations

import logging

from bot.core.logs import FORMAT, PrivacyFormatter


def test_exception_messages_are_withheld() -> None:
    typed = "".join(["my ", "secret"])  # runtime values, not source text
    name = "".join(["Amal ", "Haddad"])
    try:
        try:
            raise KeyError(name)
        except KeyError as inner:
            raise ValueError(f"the title {typed!r} is too long") from inner
    except ValueError:
        record = logging.getLogger("test").makeRecord("test", logging.ERROR, __file__, 1, "failed", (), None)
        import sys

        record.exc_info = sys.exc_info()
    text = PrivacyFormatter(FORMAT).format(record)
    assert "ValueError (message withheld)" in text
    assert "KeyError (message withheld)" in text
    assert "my secret" not in text and "Amal" not in text
    assert "test_exception_messages_are_withheld" in text  # the frames are there
