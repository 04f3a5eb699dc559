"""Check the installed wheel, not the checkout: build anomalab's wheel, install it in a fresh
virtual environment, and from a folder outside the repository, with no data root reachable,
run ``anomalab reproduce PAPER --from-archive`` for every paper whose spec the installed package
ships (or the ``--paper`` ones) and compare each report with the committed
``docs/results/PAPER.md`` byte for byte; then ``anomalab --help`` and
``anomalab datasets fetch --list``. Standard library only; ``make wheel-check`` runs it in CI.

    python tools/check_wheel.py                  # every converted paper
    python tools/check_wheel.py --paper anorand  # just these
    python tools/check_wheel.py --keep           # keep the temporary folder to look inside

The wheel is built from a copy of the checkout's files (tracked, and untracked ones git does not
ignore), so no build/ or *.egg-info is left in the checkout and no stale build/lib file gets into
the wheel. Dependencies are installed with ``pip install -c constraints.txt`` (torch stays on the
CPU build). The temporary folder (about 1.6 GB, 36,000 files) goes to $TMPDIR when set, else to
/dev/shm when it has room (on this project's machine the venv took ~95 s to install and ~140 s to
delete on disk, ~70 s and under 1 s in memory), else to the system's temporary folder. Exit status
1 on any failure, whose last line names the step that failed.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path("src") / "anomalab"
REPORTS = ROOT / "docs" / "results"
CODE_SUFFIXES = {".py", ".pyc", ".pyo"}
MEMORY_TMP = Path("/dev/shm")
MEMORY_TMP_NEEDS = 4 * 2**30  # bytes free in MEMORY_TMP to use it (the venv takes ~1.6 GB)
#: Environment variables that would let the check see the checkout, its data or another install.
HIDDEN_ENV = (
    "ANOMALAB_DATA",
    "ANOMALAB_CACHE",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "VIRTUAL_ENV",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "MPLCONFIGDIR",
)


class CheckFailed(Exception):
    """A step of the check failed; the message names it."""


def run(cmd: Sequence[str | Path], step: str, **kwargs) -> str:
    """Run ``cmd``; return its stdout, or raise :class:`CheckFailed` naming ``step`` after
    printing the end of its output."""
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-30:]
        print("\n".join(tail), file=sys.stderr)
        raise CheckFailed(f"{step}: exit status {proc.returncode}")
    return proc.stdout


def checkout_files() -> list[Path]:
    """The checkout's files as git sees them (tracked and not ignored; deleted ones left out)."""
    out = run(
        ["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        "listing the checkout's files (git ls-files)",
    )
    names = sorted({n for n in out.split("\0") if n})
    return [Path(n) for n in names if (ROOT / n).is_file()]


def copy_tree(files: list[Path], dest: Path) -> None:
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)


def build_wheel(tree: Path, dist: Path) -> Path:
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, tree],
        "building the wheel (pip wheel)",
    )
    wheels = sorted(dist.glob("anomalab-*.whl"))
    if len(wheels) != 1:
        raise CheckFailed(
            f"building the wheel: expected one anomalab-*.whl in {dist}, got {wheels}"
        )
    return wheels[0]


def check_package_data(files: list[Path], wheel: Path) -> None:
    """Every non-code file of the package in the checkout must be in the wheel."""
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    wanted = [
        f.relative_to("src").as_posix()
        for f in files
        if f.is_relative_to(PACKAGE) and f.suffix not in CODE_SUFFIXES
    ]
    missing = [name for name in wanted if name not in in_wheel]
    if missing:
        shown = ", ".join(missing[:10]) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise CheckFailed(
            f"the wheel lacks package data: {shown} (add a glob to "
            "[tool.setuptools.package-data] in pyproject.toml)"
        )


def isolated_env(venv: Path, home: Path) -> dict[str, str]:
    """The environment of the installed commands: the venv first on PATH, a bare home, no
    ANOMALAB_DATA, no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in HIDDEN_ENV}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(home)
    env["COLUMNS"] = "250"  # rich tables at full width, so dataset names are not cut
    env["OMP_NUM_THREADS"] = env.get("OMP_NUM_THREADS", "1")
    return env


def check_isolation(python: Path, venv: Path, work: Path, env: dict[str, str]) -> None:
    """anomalab must be imported from the venv's site-packages, and no data root be found."""
    where = run(
        [python, "-c", "import anomalab; print(anomalab.__file__)"],
        "importing the installed anomalab",
        cwd=work,
        env=env,
    ).strip()
    if not Path(where).resolve().is_relative_to(venv.resolve()):
        raise CheckFailed(f"anomalab is imported from {where}, not from the wheel in {venv}")
    probe = (
        "from anomalab.data.paths import DataNotFoundError, resolve_data_root\n"
        "try:\n    print(resolve_data_root())\nexcept DataNotFoundError:\n    print('')"
    )
    root = run([python, "-c", probe], "probing the data root", cwd=work, env=env).strip()
    if root:
        raise CheckFailed(f"a data root is reachable from the check's folder ({root}); hide it")


def converted_papers(python: Path, work: Path, env: dict[str, str]) -> list[str]:
    """The papers whose spec the installed package ships."""
    code = (
        "from anomalab.reproductions.spec import PAPERS, has_spec\n"
        "print(' '.join(p for p in PAPERS if has_spec(p)))"
    )
    papers = run([python, "-c", code], "listing the converted papers", cwd=work, env=env).split()
    if not papers:
        raise CheckFailed("the installed package ships no paper spec (reproductions/specs/)")
    return papers


def check_reproduction(paper: str, cli: Path, work: Path, env: dict[str, str]) -> None:
    """``anomalab reproduce PAPER --from-archive`` writes the committed report, byte for byte."""
    committed = REPORTS / f"{paper}.md"
    if not committed.is_file():
        raise CheckFailed(f"reproduce {paper}: no committed {committed.relative_to(ROOT)}")
    out = work / "out" / paper
    run(
        [cli, "reproduce", paper, "--from-archive", "--out", out],
        f"anomalab reproduce {paper} --from-archive",
        cwd=work,
        env=env,
    )
    written = out / f"{paper}.md"
    if not written.is_file():
        raise CheckFailed(f"reproduce {paper}: it wrote no {paper}.md")
    if written.read_bytes() != committed.read_bytes():
        diff = difflib.unified_diff(
            committed.read_text(encoding="utf-8").splitlines(),
            written.read_text(encoding="utf-8").splitlines(),
            f"docs/results/{paper}.md",
            f"{paper}.md from the wheel",
            lineterm="",
        )
        print("\n".join(list(diff)[:40]), file=sys.stderr)
        raise CheckFailed(f"reproduce {paper}: {paper}.md differs from docs/results/{paper}.md")


def check_commands(python: Path, cli: Path, work: Path, env: dict[str, str]) -> None:
    """``anomalab --help`` names its commands; ``datasets fetch --list`` lists every dataset."""
    helps = run([cli, "--help"], "anomalab --help", cwd=work, env=env)
    for command in ("fit", "score", "bench", "reproduce", "datasets"):
        if command not in helps:
            raise CheckFailed(f"anomalab --help: command {command!r} not listed")
    names = run(
        [python, "-c", "from anomalab.data.fetch import sources_by_dataset as s; print(*s())"],
        "reading the installed sources.csv",
        cwd=work,
        env=env,
    ).split()
    listed = run(
        [cli, "datasets", "fetch", "--list"], "anomalab datasets fetch --list", cwd=work, env=env
    )
    absent = [n for n in names if n not in listed]
    if not names or absent:
        raise CheckFailed(f"anomalab datasets fetch --list: missing {', '.join(absent) or 'all'}")


def check(tmp: Path, papers: list[str] | None, step: Callable[[str], None]) -> None:
    """Every step, in order; ``step`` announces each."""
    tree, dist, venv = tmp / "tree", tmp / "dist", tmp / "venv"
    work, home = tmp / "work", tmp / "home"
    for folder in (tree, work, home):
        folder.mkdir()
    step("copying the checkout and building the wheel")
    files = checkout_files()
    copy_tree(files, tree)
    wheel = build_wheel(tree, dist)
    check_package_data(files, wheel)
    step(f"creating a fresh venv and installing {wheel.name} (-c constraints.txt)")
    run([sys.executable, "-m", "venv", venv], "creating the venv")
    python, cli = venv / "bin" / "python", venv / "bin" / "anomalab"
    run(
        [python, "-m", "pip", "install", "-q", "-c", ROOT / "constraints.txt", wheel],
        "installing the wheel and its dependencies",
        cwd=work,
    )
    env = isolated_env(venv, home)
    check_isolation(python, venv, work, env)
    todo = papers or converted_papers(python, work, env)
    for paper in todo:
        step(f"anomalab reproduce {paper} --from-archive (outside the repository, no data)")
        check_reproduction(paper, cli, work, env)
    step("anomalab --help and anomalab datasets fetch --list")
    check_commands(python, cli, work, env)
    step(f"wheel check passed: {', '.join(todo)} reproduced byte for byte from the wheel")


def scratch_parent() -> str | None:
    """Where the temporary folder goes: $TMPDIR if set, else /dev/shm if it has room, else the
    system's default (None)."""
    if os.environ.get("TMPDIR"):
        return None
    try:
        if shutil.disk_usage(MEMORY_TMP).free >= MEMORY_TMP_NEEDS:
            return str(MEMORY_TMP)
    except OSError:
        pass
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--paper",
        action="append",
        help="a paper to reproduce (repeatable; default: every paper the wheel has a spec for)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="anomalab-wheel-check-", dir=scratch_parent()))
    start = time.monotonic()

    def step(what: str) -> None:
        print(f"[{time.monotonic() - start:6.1f}s] {what}", flush=True)

    failure = None
    try:
        check(tmp, args.paper, step)
    except CheckFailed as exc:
        failure = str(exc)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            step(f"removing {tmp}")
            shutil.rmtree(tmp, ignore_errors=True)
            step("done")
    if failure is not None:  # last, so that it is the line CI shows
        print(f"wheel check failed: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
