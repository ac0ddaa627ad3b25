"""The worker process of a large mentoring round (see `assignment.run_round`).

`python -m bot.features.mentoring.worker` reads the pool `run_round` writes (pickled frames of
plain tuples) from stdin and writes the `RoundResult` of `plan_round` to stdout. NumPy and SciPy
are imported first, while the bot is still writing the pool. Only the bot itself starts it,
through a private pipe.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run one round from stdin to stdout."""
    import numpy  # noqa: F401  (imported while the pool is still being written)
    import scipy.sparse.csgraph  # noqa: F401

    from bot.features.mentoring.assignment import plan_round, read_pool, write_result

    newcomers, mentors, rules, remaining = read_pool(sys.stdin.buffer)
    write_result(plan_round(newcomers, mentors, rules, remaining), sys.stdout.buffer)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
