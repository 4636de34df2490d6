"""Test-suite setup.

Plugins installed in the environment (for example the packages in ``plugins/``, which CI installs)
would join every Vetter the suite builds and change its findings. The suite therefore runs with
entry-point autoloading off (subprocesses inherit the variable); the tests of discovery turn it
back on explicitly. Configuration files are ignored the same way (``HESHAN_VETTING_NO_CONFIG=1``): a stray
heshan-vetting.toml above the working directory must not change a test's run; tests/test_config.py turns
them back on.

``HESHAN_REQUIRE_DURABLE=1`` (set by ``.ci/run``): where durable-rules must work (CI runs CPython 3.11),
a durable test that would be skipped because durable-rules cannot be loaded fails instead, with the same
reason, so the durable engine can never go untested silently. Without it, such tests are skipped and
``pytest -ra`` shows why.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

from heshan_vetting.config import ENV_NO_CONFIG
from heshan_vetting.plugins import ENV_DISABLE, ENV_NO_AUTOLOAD

os.environ[ENV_NO_AUTOLOAD] = "1"
os.environ[ENV_NO_CONFIG] = "1"  # no heshan-vetting.toml above a test's directory may change its run
os.environ.pop(ENV_DISABLE, None)

REQUIRE_DURABLE = os.environ.get("HESHAN_REQUIRE_DURABLE", "") not in ("", "0")
SKIP_PREFIX = "durable engine: "
"""Every skip for a missing or broken durable-rules gives a reason starting with this."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if not (REQUIRE_DURABLE and report.skipped) or hasattr(report, "wasxfail"):
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    if SKIP_PREFIX in reason:
        report.outcome = "failed"
        report.longrepr = f"HESHAN_REQUIRE_DURABLE=1 but the durable engine cannot run here: {reason}"
