"""`python -m app ...`: operator commands (see app/cli.py)."""

import sys

from app.cli import main

sys.exit(main())
