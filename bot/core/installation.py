"""This installation's own id: random, made once by a migration and kept in the database.

It tells installations apart where identifiers leave the bot (calendar UIDs), without revealing
anything about the guild or its members.
"""

from __future__ import annotations

from bot.core.db import Reads


async def installation_id(tx: Reads) -> str:
    """The installation's id (hex)."""
    value = await tx.fetchval("SELECT uid FROM installation WHERE id = 1")
    if value is None:  # a database whose row was removed by hand: fail loudly rather than collide
        raise RuntimeError("the installation row is missing")
    return str(value)
