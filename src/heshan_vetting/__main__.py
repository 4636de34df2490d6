"""``python -m heshan_vetting``: the command-line interface."""

from __future__ import annotations

import gc
import sys


def _run() -> int:
    """Import the CLI with the cyclic garbage collector paused, then run it.

    Start-up creates tens of thousands of objects that live as long as the process (modules, pydantic model
    classes, pint's parser) and next to no garbage, yet the collector would walk them again and again while they
    pile up. So it is paused for the import, and ``gc.freeze()`` then moves them out of the way of every later
    collection (the CPython documentation's advice for long-lived start-up objects). Collection stays on for the
    run itself. Only ``python -m heshan_vetting`` does this: ``import heshan_vetting`` never touches the collector.
    """
    gc.disable()
    try:
        from heshan_vetting.cli import main
    finally:
        gc.freeze()
        gc.enable()
    return main()


if __name__ == "__main__":
    sys.exit(_run())
