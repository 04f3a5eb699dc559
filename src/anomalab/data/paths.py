"""Where the data lives (read-only) and where derived arrays are cached (writable)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

DATA_ENV = "ANOMALAB_DATA"
CACHE_ENV = "ANOMALAB_CACHE"
HINT = "set ANOMALAB_DATA or pass --data-root"


class DataNotFoundError(FileNotFoundError):
    """A data root, data file or dataset name could not be found."""


def user_data_root() -> Path:
    """Where ``anomalab datasets fetch`` puts data when no data root is configured:
    ``$XDG_DATA_HOME/anomalab/datasets`` (default ``~/.local/share/anomalab/datasets``)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser() / "anomalab" / "datasets"


def _fallback_roots() -> list[Path]:
    here = Path(__file__).resolve()
    return [
        Path.cwd() / ".." / "shared" / "datasets",
        here.parents[3] / ".." / "shared" / "datasets",
        user_data_root(),
    ]


def resolve_data_root(explicit: str | Path | None = None) -> Path:
    """Return the data root: ``explicit`` > ``$ANOMALAB_DATA`` > ``../shared/datasets`` fallbacks
    > :func:`user_data_root` (where ``anomalab datasets fetch`` downloads by default).

    An explicit path or the environment variable, when given, must exist: they never fall
    through silently to the fallbacks. Raises :class:`DataNotFoundError` listing every place
    that was looked at.
    """
    if explicit is not None:
        candidates = [("data_root argument", Path(explicit).expanduser())]
    elif os.environ.get(DATA_ENV):
        candidates = [(f"${DATA_ENV}", Path(os.environ[DATA_ENV]).expanduser())]
    else:
        candidates = [("fallback", p) for p in _fallback_roots()]
    for _, path in candidates:
        if path.is_dir():
            return path.resolve()
    looked = "\n".join(f"  - {path} ({what})" for what, path in candidates)
    raise DataNotFoundError(
        f"no data root found; looked in:\n{looked}\n{HINT}, "
        "or download datasets with `anomalab datasets fetch NAME` (`--list` shows them)"
    )


def cache_dir(data_root: str | Path | None = None) -> Path:
    """Return the cache folder (``$ANOMALAB_CACHE`` or ``~/.cache/anomalab``), creating it.

    Raises ``ValueError`` when it lies inside the data root (``data_root`` or ``$ANOMALAB_DATA``):
    the data folder is read-only and never receives derived files.
    """
    env = os.environ.get(CACHE_ENV)
    path = (Path(env) if env else Path.home() / ".cache" / "anomalab").expanduser().resolve()
    roots = [data_root, os.environ.get(DATA_ENV)]
    for root in (Path(r).expanduser().resolve() for r in roots if r):
        if path == root or path.is_relative_to(root):
            raise ValueError(
                f"cache folder {path} lies inside the data root {root}; "
                f"set {CACHE_ENV} to a folder outside it"
            )
    path.mkdir(parents=True, exist_ok=True)
    return path


def fingerprint(*paths: Path, extra: str = "") -> str:
    """Short hash of the files' absolute paths, sizes and modification times (plus ``extra``)."""
    parts = [extra]
    for p in paths:
        st = p.stat()
        parts.append(f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}")
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()[:16]
