"""`python -m bot` is the same as the `multinations-bot` command."""

from bot.cli import main

raise SystemExit(main())
