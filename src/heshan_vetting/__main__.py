"""``python -m heshan_vetting``: the command-line interface."""

from __future__ import annotations

import gc
import os
import sys


def _run() -> int:
    """Import the CLI with the cyclic garbage collector paused, then run it.

    Start-up creates tens of thousands of objects that live as long as the process (modules, pydantic model
    classes, pint's parser) and next to no garbage, yet the collector would walk them again and again while they
    pile up. So it is paused for the import, and ``gc.freeze()`` then moves them out of the way of every later
    collection (the CPython documentation's advice for long-lived start-up objects). Collection stays on for the
    run itself. Only ``python -m heshan_vetting`` does this: ``import heshan_vetting`` never touches the collector.

    The command does no linear algebra, so numpy's BLAS (which pint imports where numpy is installed) is asked
    for no thread pool (unless the environment says otherwise): a process that runs a single thread may copy
    itself into ``--jobs`` workers by fork, which starts them at once instead of in about a second each
    (:mod:`heshan_vetting.batch`).
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    gc.disable()
    try:
        from heshan_vetting.cli import main
    finally:
        gc.freeze()
        gc.enable()
    return main()


if __name__ == "__main__":
    sys.exit(_run())
