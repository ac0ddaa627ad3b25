"""The worker process of a large mentoring round (see `assignment.run_round`).

`python -m bot.features.mentoring.worker` reads the pool `run_round` pickled (in frames) from
stdin and writes the `RoundResult` of `plan_round` to stdout. Only the bot itself
starts it, through a private pipe.
"""

from __future__ import annotations

import sys

from bot.features.mentoring.assignment import pack_result, plan_round, unpack_pool


def main() -> None:
    """Run one round from stdin to stdout."""
    newcomers, mentors, rules, remaining = unpack_pool(sys.stdin.buffer.read())
    sys.stdout.buffer.write(pack_result(plan_round(newcomers, mentors, rules, remaining)))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
