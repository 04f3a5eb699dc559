"""Worker lifeline: a process armed with ``die_with_parent`` ends when its parent is killed, by
the parent-death signal and, without it, by the watchdog thread alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]])
print(child.pid, flush=True)
time.sleep(120)
"""
CHILD = """
import os, sys, time
import lifeline  # the module alone (PYTHONPATH), without importing anomalab's packages
if sys.argv[1] == "watchdog-only":
    lifeline.set_parent_death_signal = lambda sig: False
lifeline.die_with_parent(os.getppid(), poll=0.1)
print("armed", flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("mode", ["prctl", "watchdog-only"])
def test_child_ends_when_parent_is_killed(mode: str, running) -> None:  # type: ignore[no-untyped-def]
    env = dict(os.environ, PYTHONPATH=str(SRC / "anomalab" / "bench"))
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, CHILD, mode], env=env, stdout=subprocess.PIPE, text=True
    )
    child = int(parent.stdout.readline())
    try:
        assert parent.stdout.readline().strip() == "armed"
        assert running(child)
        parent.kill()
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while running(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(child), f"child {child} outlived its parent ({mode})"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if running(child):
            os.kill(child, signal.SIGKILL)
