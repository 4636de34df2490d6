"""Test-suite setup.

Plugins installed in the environment (for example the packages in ``plugins/``, which CI installs)
would join every Vetter the suite builds and change its findings. The suite therefore runs with
entry-point autoloading off (subprocesses inherit the variable); the tests of discovery turn it
back on explicitly.
"""

from __future__ import annotations

import os

from heshan_vetting.plugins import ENV_DISABLE, ENV_NO_AUTOLOAD

os.environ[ENV_NO_AUTOLOAD] = "1"
os.environ.pop(ENV_DISABLE, None)
