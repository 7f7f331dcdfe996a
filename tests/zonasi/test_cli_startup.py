"""The command line sets up its process before anything heavy loads: importing ``zonasi.cli``
must not import pyarrow (its memory pool is chosen once, at import, from the environment that
``main()`` sets first: importing it earlier cost ~120 MB of peak RSS in ``zonasi validate``)."""
from __future__ import annotations

import subprocess
import sys


def test_importing_the_cli_loads_neither_geo_nor_pyarrow():
    code = "import sys, zonasi.cli; print(sorted(m for m in ('pyarrow', 'pandas', 'geo') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr

