"""``python -m heshan_vetting``: the command-line interface."""

from __future__ import annotations

import sys

from heshan_vetting.cli import main

if __name__ == "__main__":
    sys.exit(main())
