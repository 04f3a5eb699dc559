"""Which declared cells a rendering has, and when they ran: the blocks that keep a report honest
about missing cells (``PARTIAL``) and about where its numbers come from. Declared cells are found
without a data root (:func:`anomalab.reproductions.parts.declared_cells`), so a checkout and an
installed wheel render the same lines."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from anomalab.bench.document import Section
from anomalab.reproductions.context import Context
from anomalab.reproductions.parts import declared_cells


@dataclass(frozen=True)
class Coverage:
    """A part's declared cells against its finished ones; ``missing``: one line per entrant and
    dataset (and protocol setting) with missing seeds."""

    declared: int
    finished: int
    missing: list[str]

    @property
    def complete(self) -> bool:
        return self.declared > 0 and not self.missing


def coverage(ctx: Context, part: str) -> Coverage | None:
    """The part's coverage, or None when its declared cells cannot be listed."""
    rows = ctx.frame(part)
    seen = [] if rows is None else list(dict.fromkeys(rows["dataset"]))
    cells = declared_cells(ctx.spec.parts[part], seen)
    if cells is None:
        return None
    done = set() if rows is None else set(rows.loc[rows["status"] == "ok", "cell_key"])
    grid = len({json.dumps(c.protocol_params, sort_keys=True) for c in cells}) > 1
    gaps: dict[str, list[int]] = {}
    for cell in cells:
        if cell.key not in done:
            where = f"{cell.name} / {cell.dataset}"
            if grid:
                where += " / " + ", ".join(f"{k} {v}" for k, v in cell.protocol_params.items())
            gaps.setdefault(where, []).append(cell.seed)
    missing = [f"{where} (seeds {', '.join(map(str, s))})" for where, s in gaps.items()]
    return Coverage(len(cells), len(cells) - sum(map(len, gaps.values())), missing)


def partial(ctx: Context, out: Section, part: str) -> None:
    """``PARTIAL``, with the missing cells, when the part lacks some of its declared cells;
    nothing when it has them all."""
    cov = coverage(ctx, part)
    if cov is not None and cov.missing:
        out.text(
            f"**PARTIAL**: {cov.finished} of the {cov.declared} declared cells of part `{part}` "
            f"are stored and finished; not in the tables above: {'; '.join(cov.missing)}."
        )


def parts_run(ctx: Context, out: Section) -> None:
    """One line per part: its store, and whether every declared cell is stored and finished."""
    lines = []
    for name, spec in ctx.spec.parts.items():
        if name not in ctx.frames:
            lines.append(f"- `{name}` (store `{spec.store}`): not rendered here (--parts).")
            continue
        cov = coverage(ctx, name)
        if cov is None:
            state = "declared cells unknown (not a built-in suite)"
        elif cov.complete:
            state = f"all {cov.declared} declared cells stored and finished"
        else:
            state = f"**PARTIAL**, {cov.finished} of {cov.declared} cells"
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
