"""Local worker processes end when the process that started them dies.

A ``kill -9`` of ``anomalab bench --jobs N`` must not leave its workers running (reparented to
init, holding their memory forever). Each worker asks Linux for a parent-death signal
(``prctl(PR_SET_PDEATHSIG, SIGKILL)`` through ctypes) and, as a fallback where that is missing or
the parent is not the direct one, runs a daemon thread that watches the parent's pid.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
#: Seconds between two looks of the watchdog thread.
POLL_SECONDS = 0.5


def die_with_parent(parent_pid: int, poll: float = POLL_SECONDS) -> None:
    """Make this process end (SIGKILL) as soon as ``parent_pid`` dies."""
    direct = os.getppid() == parent_pid
    if direct:
        set_parent_death_signal(signal.SIGKILL)
    if not _alive(parent_pid) or (direct and os.getppid() != parent_pid):
        _die()  # the parent died before the signal was armed
    watcher = threading.Thread(
        target=_watch, args=(parent_pid, os.getppid(), poll), name="lifeline", daemon=True
    )
    watcher.start()


def set_parent_death_signal(sig: int) -> bool:
    """``prctl(PR_SET_PDEATHSIG, sig)``: the kernel sends ``sig`` to this process when the
    thread that created it exits. False where unavailable (not Linux, no libc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int, ppid: int, poll: float) -> None:
    while True:
        time.sleep(poll)
        if os.getppid() != ppid or not _alive(parent_pid):
            _die()


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    return True


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
