"""`python -m bot.cli`: the `promisebot` command."""

import sys

from bot.cli import main

sys.exit(main())
