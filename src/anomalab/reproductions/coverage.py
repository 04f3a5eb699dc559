"""Which declared cells a rendering has, and when they ran: the blocks that keep a report honest
about missing cells (``PARTIAL``) and about where its numbers come from. Declared cells are found
without a data root (:func:`anomalab.reproductions.parts.declared_cells`), so a checkout and an
installed wheel render the same lines."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from anomalab.bench.cells import Cell
from anomalab.bench.document import Section
from anomalab.reproductions.context import Context
from anomalab.reproductions.parts import dataset_groups, declared_cells


@dataclass(frozen=True)
class Coverage:
    """A part's declared cells against its finished ones; ``missing``: one line per entrant and
    dataset (and protocol setting) with missing seeds, saying which of them failed and which
    were not run; ``failed``: how many declared cells are stored as failed."""

    declared: int
    finished: int
    missing: list[str]
    failed: int = 0

    @property
    def complete(self) -> bool:
        return self.declared > 0 and not self.missing


def declared(ctx: Context, part: str) -> list[Cell] | None:
    """The part's declared cells, or None when they cannot be listed. A dataset group
    (``@adbench``) stands for the datasets stored in any part of this rendering that names the
    same group (so a part with few or no cells yet is measured against the whole group)."""
    groups = set(dataset_groups(ctx.spec.parts[part]))
    seen: list[str] = []
    for name, rows in ctx.frames.items():
        if name == part or (groups and groups & set(dataset_groups(ctx.spec.parts[name]))):
            seen += [d for d in dict.fromkeys(rows["dataset"]) if d not in seen]
    return declared_cells(ctx.spec.parts[part], seen)


def _setting(params: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in params.items())


def _seeds(seeds: list[tuple[int, str]]) -> str:
    """``seeds 0, 1 failed; seeds 2 not run``: a dataset's missing seeds by state."""
    by_state: dict[str, list[str]] = {}
    for seed, state in seeds:
        by_state.setdefault(state, []).append(str(seed))
    return "; ".join(f"seeds {', '.join(s)} {state}" for state, s in sorted(by_state.items()))


def coverage(ctx: Context, part: str) -> Coverage | None:
    """The part's coverage, or None when its declared cells cannot be listed. An entrant
    missing on every one of several datasets (at a protocol setting) for one reason (not run,
    or failed) is one line."""
    cells = declared(ctx, part)
    if cells is None:
        return None
    rows = ctx.frame(part)
    done = set() if rows is None else set(rows.loc[rows["status"] == "ok", "cell_key"])
    failed = set() if rows is None else set(rows.loc[rows["status"] != "ok", "cell_key"])
    grid = len({json.dumps(c.protocol_params, sort_keys=True) for c in cells}) > 1
    gaps: dict[tuple, dict[str, list[tuple[int, str]]]] = {}
    datasets: dict[tuple, set[str]] = {}
    declared_seeds: dict[tuple, int] = {}
    for cell in cells:
        entrant = (cell.name, _setting(cell.protocol_params) if grid else "")
        datasets.setdefault(entrant, set()).add(cell.dataset)
        declared_seeds[entrant] = declared_seeds.get(entrant, 0) + 1
        if cell.key not in done:
            state = "failed" if cell.key in failed else "not run"
            gaps.setdefault(entrant, {}).setdefault(cell.dataset, []).append((cell.seed, state))
    missing = []
    for (name, setting), where in gaps.items():
        tail = f" / {setting}" if setting else ""
        n = len(datasets[(name, setting)])
        states = {state for seeds in where.values() for _, state in seeds}
        everywhere = sum(map(len, where.values())) == declared_seeds[(name, setting)]
        if n > 1 and everywhere and len(states) == 1:
            missing.append(f"{name} / all {n} datasets{tail} ({states.pop()})")
            continue
        for dataset, seeds in where.items():
            missing.append(f"{name} / {dataset}{tail} ({_seeds(seeds)})")
    lost = sum(len(s) for where in gaps.values() for s in where.values())
    n_failed = sum(c.key in failed for c in cells)
    return Coverage(len(cells), len(cells) - lost, missing, n_failed)


def partial(ctx: Context, out: Section, part: str, where: str = "above") -> None:
    """``PARTIAL``, with the missing cells, when the part lacks some of its declared cells
    (``where`` the tables are: above or below); nothing when it has them all."""
    if ctx.frame(part) is None:
        out.text(
            f"**PARTIAL**: part `{part}` (store `{ctx.spec.parts[part].store}`) has no stored "
            f"cells (not run); none of its cells is in the tables {where}."
        )
        return
    cov = coverage(ctx, part)
    if cov is not None and cov.missing:
        out.text(
            f"**PARTIAL**: {cov.finished} of the {cov.declared} declared cells of part `{part}` "
            f"are stored and finished; not in the tables {where}: {'; '.join(cov.missing)}."
        )


def parts_run(ctx: Context, out: Section, counts: bool = False) -> None:
    """One line per part: its store, and whether every declared cell is stored and finished
    (``counts``: a part not run also says how many cells it declares)."""
    lines = []
    for name, spec in ctx.spec.parts.items():
        if name not in ctx.frames:
            lines.append(f"- `{name}` (store `{spec.store}`): not rendered here (--parts).")
            continue
        cov = coverage(ctx, name)
        if ctx.frame(name) is None:
            what = f"0 of {cov.declared} cells" if counts and cov else "no stored cells"
            state = f"**not run** ({what})"
        elif cov is None:
            state = "declared cells unknown (not a built-in suite)"
        elif cov.complete:
            state = f"all {cov.declared} declared cells stored and finished"
        else:
            state = f"**PARTIAL**, {cov.finished} of {cov.declared} cells"
            state += f" ({cov.failed} failed)" if cov.failed else ""
        lines.append(f"- `{name}` (store `{spec.store}`): {state}.")
    out.text("\n".join(lines))


def provenance(ctx: Context, out: Section) -> None:
    """Per part: its cells, when the first and the last finished (UTC date) and the anomalab
    versions they ran with."""
    rows = []
    for name, frame in ctx.frames.items():
        if not len(frame):
            continue
        versions = sorted({json.loads(v).get("anomalab", "?") for v in frame["versions"]})
        rows.append(
            [
                name,
                ctx.spec.parts[name].store,
                str(len(frame)),
                str(frame["finished_at"].min())[:10],
                str(frame["finished_at"].max())[:10],
                ", ".join(versions),
            ]
        )
    if rows:
        columns = ["part", "store", "cells", "first finished", "last finished", "anomalab"]
        table = pd.DataFrame(rows, columns=columns).set_index("part")
        out.table(table, align=["left", "left", "right", "left", "left", "left"])
