"""The size budgets issue 26 set: ``benchmarks/`` keeps only the speed and memory comparisons
(at most 800 lines), and the five papers' reproduction specs with their section functions stay
declarative (at most 2,000 lines in all). The parts' grids (``specs/<paper>/parts/*.toml``, the
paper suites moved there unchanged from ``bench/suites/``) are data, like the published tables'
CSV files, and are counted on their own."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPRODUCTIONS = ROOT / "src" / "anomalab" / "reproductions"


def _lines(paths: list[Path]) -> int:
    return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in paths)


def test_benchmarks_hold_at_most_800_lines() -> None:
    scripts = sorted((ROOT / "benchmarks").glob("*.py"))
    assert scripts, "no benchmark scripts found"
    assert _lines(scripts) <= 800, {p.name: _lines([p]) for p in scripts}


def test_the_specs_and_their_sections_hold_at_most_2000_lines() -> None:
    files = [
        *REPRODUCTIONS.glob("specs/*.toml"),
        *REPRODUCTIONS.glob("specs/*/*.md"),
        *REPRODUCTIONS.glob("sections/*.py"),
    ]
    assert len(list(REPRODUCTIONS.glob("specs/*.toml"))) == 5  # the five papers
    assert _lines(files) <= 2000


def test_the_parts_grids_are_counted_on_their_own() -> None:
    grids = sorted(REPRODUCTIONS.glob("specs/*/parts/*.toml"))
    assert len(grids) == 22  # the papers' own suites (the general ones stay in bench/suites)
    assert _lines(grids) <= 450
