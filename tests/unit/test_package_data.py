"""Every data file inside the package (suites, targets, specs, fragments, archives, sources.csv)
is matched by a [tool.setuptools.package-data] glob of pyproject.toml, so none is left out of the
wheel (``make wheel-check`` then checks the built wheel itself)."""

from __future__ import annotations

import glob
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
CODE_SUFFIXES = {".py", ".pyc", ".pyo"}


def package_data() -> dict[str, list[str]]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)["tool"]["setuptools"]["package-data"]


def data_files(src: Path, top: str) -> set[Path]:
    """The package's files that are not code (nor bytecode caches, nor hidden editor files)."""
    return {
        p
        for p in (src / top).rglob("*")
        if p.is_file()
        and p.suffix not in CODE_SUFFIXES
        and "__pycache__" not in p.parts
        and not p.name.startswith(".")
    }


def matched(src: Path, top: str, globs: dict[str, list[str]]) -> dict[str, set[Path]]:
    """The files each ``"package: pattern"`` selects, expanded as setuptools does (glob relative
    to the package's folder; key ``"*"`` or ``""``: every package under ``top``)."""
    found: dict[str, set[Path]] = {}
    for package, patterns in globs.items():
        if package in ("", "*"):
            folders = [src / top, *(p for p in (src / top).rglob("*") if p.is_dir())]
        else:
            folders = [src / Path(*package.split("."))]
        for pattern in patterns:
            hits = {
                Path(hit)
                for folder in folders
                for hit in glob.glob(str(folder / pattern), recursive=True)
                if Path(hit).is_file()
            }
            found[f"{package}: {pattern}"] = hits
    return found


def uncovered(src: Path, top: str, globs: dict[str, list[str]]) -> list[str]:
    covered = set().union(*matched(src, top, globs).values())
    return sorted(p.relative_to(src).as_posix() for p in data_files(src, top) - covered)


def test_every_data_file_of_the_package_is_in_package_data() -> None:
    missing = uncovered(SRC, "anomalab", package_data())
    assert not missing, (
        f"left out of the wheel: {missing}; add globs to [tool.setuptools.package-data]"
    )


def test_the_data_the_code_reads_is_there_to_cover() -> None:
    # guards the test above against passing on an empty or misplaced tree
    names = {p.relative_to(SRC / "anomalab").as_posix() for p in data_files(SRC, "anomalab")}
    assert "data/sources.csv" in names
    assert any(n.startswith("bench/suites/") and n.endswith(".toml") for n in names)
    assert any(n.startswith("targets/") and n.endswith(".csv") for n in names)
    assert any(n.startswith("reproductions/specs/") and n.endswith(".toml") for n in names)
    assert any(n.startswith("reproductions/specs/") and n.endswith(".md") for n in names)
    assert any(n.startswith("reproductions/specs/plad/parts/") for n in names)
    assert any(n.startswith("bench/presets_report/suites/") for n in names)
    assert any(n.startswith("reproductions/archives/") and n.endswith(".zip") for n in names)


def test_every_package_data_glob_names_a_package_and_matches_a_file() -> None:
    for package in package_data():
        assert (SRC / Path(*package.split("."))).is_dir(), f"package-data: no package {package}"
    stale = [key for key, hits in matched(SRC, "anomalab", package_data()).items() if not hits]
    assert not stale, f"package-data globs that match no file: {stale}"


def test_a_file_no_glob_matches_is_reported(tmp_path: Path) -> None:
    specs = tmp_path / "pkg" / "reproductions" / "specs"
    (specs / "paper").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (specs / "paper.toml").write_text("")
    (specs / "paper" / "intro.md").write_text("")
    (specs / "paper" / "table.csv").write_text("")
    globs = {"pkg.reproductions": ["specs/*.toml", "specs/*/*.md"]}
    assert uncovered(tmp_path, "pkg", globs) == ["pkg/reproductions/specs/paper/table.csv"]
    assert uncovered(tmp_path, "pkg", {"*": ["**/*.toml", "**/*.md", "**/*.csv"]}) == []
