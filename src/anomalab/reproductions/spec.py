"""A paper's reproduction spec: ``specs/<paper>.toml`` inside this package, read and checked.

A spec declares

- ``title`` and ``description`` (one line, for ``anomalab reproduce --help``);
- ``[parts.<name>]``: the grids to run, each a built-in suite (``suite``, optionally restricted:
  ``labels``, ``seeds``, ``preset``, ``protocol_params`` merged into the suite's) or an inline grid
  (``protocol``, ``detectors`` as in a suite, ``datasets`` or a registered ``dataset_builder``,
  ``seeds``, ``protocol_params``: one table, or an array of tables to run the grid under each);
  ``null_params`` names protocol parameters set to None (TOML has no null); ``store`` names the
  part's store folder (default: the suite's name, else the part's);
- ``[comparisons.<name>]``: one of our parts against a published table (``published`` filters
  :func:`anomalab.targets.published`), with its metric, display ``scale``, ``tolerance`` (in the
  metric's units), ``target`` (``[hits, of]``: the share of rows that must be within tolerance),
  ``groups`` (dataset prefixes whose ``<prefix>_<version>`` datasets are averaged per seed),
  ``baseline`` (our default entrant, listed first) and ``fit_times``;
- ``[[sections]]``: the report in order, each with ``title`` (none: no heading), ``level``,
  ``part`` (the section is left out when that part has no cells) and ``blocks``: inline tables
  with one of ``fragment`` (a Markdown file ``specs/<paper>/<name>.md``; ``{fact}`` fills in a
  fact of the part's cells: ``seeds``, ``suite``, ``protocol``, a protocol parameter),
  ``table`` (a generic table of ``tables.py``), ``compare`` (a declared comparison) or
  ``section`` (a registered section function); other keys are that block's options.

Errors are :class:`SpecError`, one line naming the file and the problem.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

#: The papers the project reproduces, in the order ``anomalab reproduce --help`` lists them.
PAPERS: tuple[str, ...] = ("devnet", "plad", "sgae", "anorand", "novnorm")
BLOCK_KINDS: tuple[str, ...] = ("fragment", "table", "compare", "section")
_PAPER_KEYS = {"title", "description", "parts", "comparisons", "sections"}
_PART_KEYS = {
    "suite", "store", "preset", "seeds", "labels", "protocol_params", "null_params",
    "protocol", "datasets", "dataset_builder", "detectors",
}  # fmt: skip
_COMPARISON_KEYS = {
    "part", "published", "label", "metric", "scale", "tolerance", "target", "groups",
    "baseline", "fit_times", "digits",
}  # fmt: skip
_SECTION_KEYS = {"title", "level", "part", "blocks"}


class SpecError(ValueError):
    """A spec that cannot be used; the message is one line."""


@dataclass(frozen=True)
class PartSpec:
    name: str
    store: str
    suite: str | None = None
    preset: str | None = None
    seeds: int | None = None
    labels: list[str] | None = None
    #: One table (merged into a suite's settings), or for an inline grid several: one per run.
    protocol_params: dict[str, Any] | list[dict[str, Any]] = field(default_factory=dict)
    protocol: str | None = None
    datasets: list[str] | None = None
    dataset_builder: str | None = None
    detectors: list[Any] | None = None


@dataclass(frozen=True)
class ComparisonSpec:
    name: str
    part: str
    published: dict[str, str]
    label: str = "paper"
    metric: str = "auc_pr"
    scale: float = 1.0
    tolerance: float = 0.05
    target: tuple[int, int] | None = None
    groups: tuple[str, ...] = ()
    baseline: str | None = None
    fit_times: bool = False
    digits: int = 2


@dataclass(frozen=True)
class BlockSpec:
    kind: str  # one of BLOCK_KINDS
    name: str
    part: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SectionSpec:
    title: str
    level: int = 2
    part: str | None = None
    blocks: tuple[BlockSpec, ...] = ()


@dataclass(frozen=True)
class PaperSpec:
    paper: str
    title: str
    description: str
    parts: dict[str, PartSpec]
    comparisons: dict[str, ComparisonSpec]
    sections: tuple[SectionSpec, ...]


def _specs() -> Any:
    return resources.files(__package__) / "specs"


def has_spec(paper: str) -> bool:
    """Whether ``paper`` has been converted to a spec."""
    return (_specs() / f"{paper}.toml").is_file()


def fragment(paper: str, name: str) -> str:
    """The Markdown fragment ``specs/<paper>/<name>.md`` (trailing blank lines dropped)."""
    path = _specs() / paper / f"{name}.md"
    if not path.is_file():
        raise SpecError(f"spec {paper}: fragment {name!r} not found (specs/{paper}/{name}.md)")
    return path.read_text(encoding="utf-8").rstrip()


def load_spec(paper: str) -> PaperSpec:
    """The spec of ``paper`` as shipped with the package."""
    if paper not in PAPERS:
        raise SpecError(f"unknown paper {paper!r}; papers: {', '.join(PAPERS)}")
    if not has_spec(paper):
        raise SpecError(
            f"paper {paper!r} is not yet converted to a reproduction spec; its report is still "
            f"written by benchmarks/{paper}_report.py"
        )
    source = _specs() / f"{paper}.toml"
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"spec {paper}: not valid TOML ({exc})") from None
    return spec_from_dict(paper, raw)


def _check_keys(where: str, raw: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise SpecError(f"{where} must be a table, got {raw!r}")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    return raw


def _typed(where: str, raw: dict[str, Any], key: str, kind: type | tuple, default: Any) -> Any:
    value = raw.get(key, default)
    if value is not default and not isinstance(value, kind):
        raise SpecError(f"{where}: {key} must be {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def _part(paper: str, name: str, raw: Any) -> PartSpec:
    where = f"spec {paper}: part {name!r}"
    raw = _check_keys(where, raw, _PART_KEYS)
    inline = {"protocol", "detectors"} & set(raw)
    if ("suite" in raw) == bool(inline):
        raise SpecError(f"{where} needs either suite or an inline grid (protocol, detectors)")
    if inline and len(inline) < 2:
        raise SpecError(f"{where}: an inline grid needs both protocol and detectors")
    if inline and ("datasets" in raw) == ("dataset_builder" in raw):
        raise SpecError(f"{where}: an inline grid needs datasets or dataset_builder (one)")
    params = _typed(where, raw, "protocol_params", (dict, list), {})
    grid = [params] if isinstance(params, dict) else params
    if not grid or not all(isinstance(p, dict) for p in grid):
        raise SpecError(f"{where}: protocol_params must be a table or an array of tables")
    if isinstance(params, list) and not inline:
        raise SpecError(f"{where}: an array of protocol_params needs an inline grid")
    grid = [dict(p) for p in grid]
    for key in _typed(where, raw, "null_params", list, []):
        for p in grid:
            p[str(key)] = None
    suite = _typed(where, raw, "suite", str, None)
    return PartSpec(
        name=name,
        store=_typed(where, raw, "store", str, None) or suite or name,
        suite=suite,
        preset=_typed(where, raw, "preset", str, None),
        seeds=_typed(where, raw, "seeds", int, None),
        labels=_typed(where, raw, "labels", list, None),
        protocol_params=grid[0] if isinstance(params, dict) else grid,
        protocol=_typed(where, raw, "protocol", str, None),
        datasets=_typed(where, raw, "datasets", list, None),
        dataset_builder=_typed(where, raw, "dataset_builder", str, None),
        detectors=_typed(where, raw, "detectors", list, None),
    )


def _comparison(paper: str, name: str, raw: Any, parts: dict[str, PartSpec]) -> ComparisonSpec:
    where = f"spec {paper}: comparison {name!r}"
    raw = _check_keys(where, raw, _COMPARISON_KEYS)
    for key in ("part", "published"):
        if key not in raw:
            raise SpecError(f"{where} lacks {key}")
    if raw["part"] not in parts:
        raise SpecError(f"{where}: unknown part {raw['part']!r}; parts: {sorted(parts)}")
    published = _check_keys(
        f"{where}: published", raw["published"], {"paper", "table", "entrant", "metric"}
    )
    target = _typed(where, raw, "target", list, None)
    if target is not None and (len(target) != 2 or not all(isinstance(t, int) for t in target)):
        raise SpecError(f"{where}: target must be [hits, of], got {target!r}")
    return ComparisonSpec(
        name=name,
        part=raw["part"],
        published={k: str(v) for k, v in published.items()},
        label=_typed(where, raw, "label", str, "paper"),
        metric=_typed(where, raw, "metric", str, published.get("metric", "auc_pr")),
        scale=float(_typed(where, raw, "scale", (int, float), 1.0)),
        tolerance=float(_typed(where, raw, "tolerance", (int, float), 0.05)),
        target=None if target is None else (target[0], target[1]),
        groups=tuple(_typed(where, raw, "groups", list, [])),
        baseline=_typed(where, raw, "baseline", str, None),
        fit_times=_typed(where, raw, "fit_times", bool, False),
        digits=_typed(where, raw, "digits", int, 2),
    )


def _block(where: str, raw: Any, parts: dict[str, PartSpec], comparisons: dict) -> BlockSpec:
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: a block must be an inline table, got {raw!r}")
    kinds = [k for k in BLOCK_KINDS if k in raw]
    if len(kinds) != 1:
        raise SpecError(f"{where}: a block needs exactly one of {list(BLOCK_KINDS)}, got {raw!r}")
    kind = kinds[0]
    part = raw.get("part")
    if part is not None and part not in parts:
        raise SpecError(f"{where}: unknown part {part!r}; parts: {sorted(parts)}")
    if kind == "compare" and raw[kind] not in comparisons:
        raise SpecError(f"{where}: unknown comparison {raw[kind]!r}")
    options = {k: v for k, v in raw.items() if k not in (kind, "part")}
    return BlockSpec(kind, str(raw[kind]), part, options)


def spec_from_dict(paper: str, raw: dict[str, Any]) -> PaperSpec:
    """Check a parsed spec and build it; any problem is a one-line :class:`SpecError`."""
    raw = _check_keys(f"spec {paper}", raw, _PAPER_KEYS)
    for key in ("title", "parts", "sections"):
        if key not in raw:
            raise SpecError(f"spec {paper} lacks {key}")
    parts_raw = _typed(f"spec {paper}", raw, "parts", dict, {})
    parts = {name: _part(paper, name, value) for name, value in parts_raw.items()}
    comparisons = {
        name: _comparison(paper, name, value, parts)
        for name, value in _typed(f"spec {paper}", raw, "comparisons", dict, {}).items()
    }
    sections = []
    for i, section in enumerate(_typed(f"spec {paper}", raw, "sections", list, [])):
        where = f"spec {paper}: section {i + 1}"
        section = _check_keys(where, section, _SECTION_KEYS)
        part = section.get("part")
        if part is not None and part not in parts:
            raise SpecError(f"{where}: unknown part {part!r}; parts: {sorted(parts)}")
        blocks = _typed(where, section, "blocks", list, [])
        sections.append(
            SectionSpec(
                title=_typed(where, section, "title", str, ""),
                level=_typed(where, section, "level", int, 2),
                part=part,
                blocks=tuple(_block(where, b, parts, comparisons) for b in blocks),
            )
        )
    return PaperSpec(
        paper=paper,
        title=str(raw["title"]),
        description=_typed(f"spec {paper}", raw, "description", str, ""),
        parts=parts,
        comparisons=comparisons,
        sections=tuple(sections),
    )
