"""The one engine behind ``anomalab reproduce``: load a paper's spec, run its parts (or restore
them from the archive), render its sections and write ``<paper>.md`` with its figures beside it
and the HTML twin ``<paper>.html``."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from anomalab.bench import atomic
from anomalab.bench.document import Section, figures_of, to_html, to_markdown
from anomalab.bench.runner import Cell
from anomalab.data import resolve_data_root
from anomalab.nn.runtime import DeviceError, check_device, parse_device
from anomalab.reproductions import sections as _registered  # noqa: F401 (registers them)
from anomalab.reproductions.archive import archive_folder
from anomalab.reproductions.context import Context
from anomalab.reproductions.parts import part_cells, restore, run_part
from anomalab.reproductions.registry import get_dataset_builder, get_section
from anomalab.reproductions.spec import (
    BlockSpec,
    PaperSpec,
    SpecError,
    fragment,
    load_spec,
)
from anomalab.reproductions.tables import TABLES, comparison

#: Where reports and stores go without ``--out`` (relative to a checkout's root).
REPORTS = Path("docs/results")
RUNS = Path("runs")


@dataclass(frozen=True)
class ReproduceRequest:
    """What to reproduce: the paper, its parts (None: all), and where and how."""

    paper: str
    parts: list[str] | None = None
    out: Path | None = None
    from_archive: bool = False
    archive: Path | None = None
    jobs: int = 1
    scheduler: str | None = None
    data_root: Path | None = None
    #: Where every entrant with a ``device`` parameter runs (not part of the cells' keys).
    device: str | None = None
    #: Run only the parts' cells on these datasets (the report still shows every stored cell).
    datasets: list[str] | None = None


@dataclass
class ReproduceResult:
    """What a reproduction wrote, and the number of cells of each part it rendered."""

    report: Path
    html: Path
    cells: dict[str, int]
    #: Figures this rendering did not draw and found no earlier file of (named in the report).
    missing_figures: list[str] = field(default_factory=list)


def _block_function(block: BlockSpec) -> Callable[..., None]:
    if block.kind == "table":
        if block.name not in TABLES:
            raise KeyError(f"unknown table {block.name!r}; tables: {', '.join(sorted(TABLES))}")
        return TABLES[block.name]
    return get_section(block.name)


def check_spec(spec: PaperSpec) -> PaperSpec:
    """Check what the loader cannot: fragments exist, every table kind, section function and
    dataset builder is known, every block's options are that function's keywords, and a block
    that reads a part or a comparison names one that exists."""
    for part in spec.parts.values():
        if part.dataset_builder is not None:
            _one_line(spec, lambda p=part: get_dataset_builder(p.dataset_builder))
    for i, section in enumerate(spec.sections, start=1):
        for block in section.blocks:
            where = f"spec {spec.paper}: section {i}: {block.kind} {block.name!r}"
            if block.kind == "fragment":
                fragment(spec.paper, block.name)
            elif block.kind != "compare":
                _check_options(where, spec, block, block.part or section.part)
    return spec


def _check_options(where: str, spec: PaperSpec, block: BlockSpec, part: str | None) -> None:
    fn = _one_line(spec, lambda: _block_function(block))
    parameters = inspect.signature(fn).parameters
    keywords = dict(block.options)
    if "part" in parameters:
        if part is None and parameters["part"].default is inspect.Parameter.empty:
            raise SpecError(f"{where} needs a part (in the block or its section)")
        keywords["part"] = part
    try:
        inspect.signature(fn).bind(None, None, **keywords)
    except TypeError as exc:
        raise SpecError(f"{where}: {exc}") from None
    if "comparison" in keywords and keywords["comparison"] not in spec.comparisons:
        raise SpecError(f"{where}: unknown comparison {keywords['comparison']!r}")


def _one_line(spec: PaperSpec, get: Callable) -> Callable:
    try:
        return get()
    except KeyError as exc:
        raise SpecError(f"spec {spec.paper}: {exc.args[0]}") from None


def load_paper(paper: str) -> PaperSpec:
    """The paper's spec, loaded and checked."""
    return check_spec(load_spec(paper))


def _render_block(ctx: Context, out: Section, block: BlockSpec, part: str | None) -> None:
    if block.kind == "fragment":
        ctx.text(out, block.name, block.part or part)
    elif block.kind == "compare":
        comparison(ctx, out, block.name)
    else:
        fn = _block_function(block)
        keywords = dict(block.options)
        if "part" in inspect.signature(fn).parameters:
            keywords["part"] = block.part or part
        fn(ctx, out, **keywords)


def render(ctx: Context) -> list[Section]:
    """The report's sections; a section whose part has no cells, or that renders no block, is
    left out."""
    sections = []
    for declared in ctx.spec.sections:
        if declared.part is not None and ctx.frame(declared.part) is None:
            continue
        out = Section(declared.title, declared.level)
        for block in declared.blocks:
            _render_block(ctx, out, block, declared.part)
        if out.blocks:
            sections.append(out)
    return sections


def write(ctx: Context, sections: list[Section]) -> ReproduceResult:
    """Write ``<paper>.md``, its figures and ``<paper>.html`` into ``ctx.out_dir``. A figure
    that was not drawn keeps the file already there (and is embedded from it in the HTML)."""
    out_dir, paper = ctx.out_dir, ctx.spec.paper
    out_dir.mkdir(parents=True, exist_ok=True)
    missing = []
    for figure in figures_of(sections):
        path = out_dir / f"{figure.name}.png"
        if figure.png is not None:
            with atomic.atomic_write(path) as tmp:
                tmp.write_bytes(figure.png)
        elif path.is_file():
            figure.png = path.read_bytes()
        else:
            missing.append(path.name)
    report, page = out_dir / f"{paper}.md", out_dir / f"{paper}.html"
    atomic.write_text(report, to_markdown(ctx.spec.title, sections, figure_dir=""))
    atomic.write_text(page, to_html(ctx.spec.title, sections))
    cells = {name: len(rows) for name, rows in ctx.frames.items()}
    return ReproduceResult(report, page, cells, missing)


def _selected(spec: PaperSpec, parts: list[str] | None) -> list[str]:
    if not parts:
        return list(spec.parts)
    unknown = [p for p in parts if p not in spec.parts]
    if unknown:
        raise ValueError(
            f"{spec.paper} has no part {', '.join(unknown)}; parts: {', '.join(spec.parts)}"
        )
    return [p for p in spec.parts if p in parts]


def _check_datasets(spec: PaperSpec, cells: dict[str, list[Cell]], datasets: list[str]) -> None:
    """Refuse a ``--datasets`` that names a dataset none of the selected parts' cells run on."""
    known = {c.dataset for part in cells.values() for c in part}
    unknown = [d for d in datasets if d not in known]
    if unknown:
        raise ValueError(
            f"{spec.paper} ({', '.join(cells)}) has no cells on {', '.join(unknown)}; "
            f"datasets: {', '.join(sorted(known))}"
        )


def reproduce(
    request: ReproduceRequest,
    say: Callable[[str], None] = lambda _: None,
    spec: PaperSpec | None = None,
) -> ReproduceResult:
    """Run (or restore) the requested parts, render the report and write it. Without ``out``
    the stores go to ``runs/<paper>/`` and the report to ``docs/results/``, which must exist
    (run from a checkout's root). ``spec``: another spec than the paper's own (checked here)."""
    spec = load_paper(request.paper) if spec is None else check_spec(spec)
    names = _selected(spec, request.parts)
    if request.archive is not None and not request.from_archive:
        raise ValueError("--archive names the cells to restore: it needs --from-archive")
    if request.datasets is not None and request.from_archive:
        raise ValueError("--datasets says which cells run: --from-archive runs none")
    if request.device is not None:
        if request.from_archive:
            raise ValueError("--device says where cells run: --from-archive runs none")
        try:  # a Dask run's workers, not this machine, need the device
            (parse_device if request.scheduler else check_device)(request.device)
        except DeviceError as exc:
            raise DeviceError(f"--device {request.device}: {exc}") from None
    if request.out is None and not REPORTS.is_dir():
        raise ValueError(f"no {REPORTS} folder here (not a checkout's root): pass --out DIR")
    out_dir = request.out if request.out is not None else REPORTS
    paper_runs = (request.out if request.out is not None else RUNS) / spec.paper
    frames: dict[str, pd.DataFrame] = {}
    root = None
    if request.from_archive:
        with archive_folder(spec.paper, request.archive) as (folder, origin):
            say(f"restoring {spec.paper}'s archived cells from {origin}")
            for name in names:
                frames[name] = restore(spec.parts[name], paper_runs, folder)
    else:
        root = resolve_data_root(request.data_root)
        cells = {name: part_cells(spec.parts[name], paper_runs, root) for name in names}
        if request.datasets is not None:
            _check_datasets(spec, cells, request.datasets)
        for name in names:
            frames[name] = run_part(
                spec.parts[name],
                paper_runs,
                root,
                cells[name],
                jobs=request.jobs,
                scheduler=request.scheduler,
                say=say,
                device=request.device,
                datasets=request.datasets,
            )
    ctx = Context(spec, frames, out_dir, from_archive=request.from_archive, data_root=root)
    return write(ctx, render(ctx))
