"""What the report's blocks read: the cells of each part, the facts a fragment may cite, and the
computations several blocks share (datasets grouped over versions, per-seed means, a declared
comparison against a published table)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from anomalab.bench.document import Section
from anomalab.reproductions.spec import ComparisonSpec, PaperSpec, SpecError, fragment
from anomalab.targets import published

LABELS = {"auc_roc": "AUC-ROC", "auc_pr": "AUC-PR", "f1": "F1", "ks": "KS"}


@dataclass
class Context:
    """One rendering: the spec, each part's rows (store columns), where the report goes, and
    whether cells were run (False: restored from the archive; nothing is fitted then)."""

    spec: PaperSpec
    frames: dict[str, pd.DataFrame]
    out_dir: Path
    from_archive: bool = False
    data_root: Path | None = None
    _comparisons: dict[str, Comparison] = field(default_factory=dict, repr=False)

    def frame(self, part: str | None) -> pd.DataFrame | None:
        """The part's rows, or None when it has none (not run, not restored)."""
        rows = self.frames.get(part) if part is not None else None
        return rows if rows is not None and len(rows) else None

    def facts(self, part: str | None) -> dict[str, Any]:
        """What a fragment may cite with ``{name}``: ``paper``, and for a part with cells its
        ``suite`` (store), ``protocol``, number of ``seeds``, ``datasets`` and ``entrants``, and
        each protocol parameter that all its cells share."""
        facts: dict[str, Any] = {"paper": self.spec.paper}
        rows = self.frame(part)
        if rows is None or part is None:
            return facts
        facts.update(
            suite=self.spec.parts[part].store,
            seeds=rows["seed"].nunique(),
            datasets=rows["dataset"].nunique(),
            entrants=rows["detector"].nunique(),
        )
        if rows["protocol"].nunique() == 1:
            facts["protocol"] = rows["protocol"].iloc[0]
        if rows["protocol_params"].nunique() == 1:
            facts.update(json.loads(rows["protocol_params"].iloc[0] or "{}"))
        return facts

    def text(self, out: Section, name: str, part: str | None = None, **facts: Any) -> None:
        """Add the paper's fragment ``name`` to ``out``, its ``{fact}`` fields filled from
        ``facts`` and the facts of ``part``."""
        known = {**self.facts(part), **facts}
        try:
            out.text(fragment(self.spec.paper, name).format_map(known))
        except (KeyError, IndexError) as exc:
            raise SpecError(
                f"spec {self.spec.paper}: fragment {name!r} cites {exc}, which is not a fact "
                f"here ({', '.join(sorted(known))})"
            ) from None

    def comparison(self, name: str) -> Comparison:
        """The declared comparison ``name`` on this rendering's cells (computed once)."""
        if name not in self._comparisons:
            spec = self.spec.comparisons[name]
            self._comparisons[name] = Comparison(spec, self.frame(spec.part))
        return self._comparisons[name]


def group_of(dataset: str, groups: tuple[str, ...]) -> str:
    """A multi-version dataset (``CIFAR10_0``) -> its group (``CIFAR10``) when listed."""
    for prefix in groups:
        if dataset.startswith(prefix + "_"):
            return prefix
    return dataset


def finished(rows: pd.DataFrame, groups: tuple[str, ...] = ()) -> pd.DataFrame:
    """The finished cells, with a ``group`` column (the dataset, or its group)."""
    ok = rows[rows["status"] == "ok"].copy()
    ok["group"] = ok["dataset"].map(lambda d: group_of(d, groups))
    return ok


def entrant_order(names: Any, first: str | None = None) -> list[str]:
    """Distinct entrant names, ``first`` first, then alphabetical (a fixed order, whatever
    order the cells finished in)."""
    return sorted(set(names), key=lambda e: (e != first, e))


def per_seed(ok: pd.DataFrame, metric: str) -> pd.Series:
    """``metric`` per (detector, group, seed) of :func:`finished` rows; a group's versions are
    averaged within each seed."""
    return ok.groupby(["detector", "group", "seed"])[metric].mean()


def selected_params(ok: pd.DataFrame) -> pd.Series:
    """Per cell, what a hold-out search chose (``params.selected``), else None."""
    return ok["params"].map(lambda p: json.loads(p).get("selected"))


def entrant_means(
    rows: pd.DataFrame, metrics: tuple[str, ...] = ("auc_pr", "auc_roc")
) -> pd.DataFrame:
    """Per entrant: the mean of each metric over datasets and seeds (``mean AUC-PR`` ...), then
    the mean over seeds of the first metric on each dataset."""
    ok = rows[rows["status"] == "ok"]
    table = ok.groupby(["detector", "dataset"])[metrics[0]].mean().unstack("dataset")
    for metric in reversed(metrics):
        table.insert(0, f"mean {LABELS[metric]}", ok.groupby("detector")[metric].mean())
    return table


class Comparison:
    """A part's entrants against a published column, per row of the published table (its
    order): ``paper`` (value, std in display units), ``per_seed`` (our metric per detector,
    group, seed, 0-1), ``entrants`` (the baseline first), ``gaps`` (ours minus the paper, display
    units, group x entrant) and ``threshold`` (the tolerance in display units)."""

    def __init__(self, spec: ComparisonSpec, rows: pd.DataFrame | None) -> None:
        self.spec = spec
        table = published(**spec.published)
        if table.empty:
            raise SpecError(f"comparison {spec.name!r}: no published numbers for {spec.published}")
        factor = [self._factor(unit) for unit in table["unit"]]
        self.paper = pd.DataFrame(
            {"value": table["value"] * factor, "std": table["std"] * factor}
        ).set_index(pd.Index(table["dataset"], name="group"))
        self.threshold = round(spec.tolerance * spec.scale, 9)
        self.ok = finished(rows, spec.groups) if rows is not None else None
        if self.ok is None or self.ok.empty:
            self.per_seed = pd.Series(dtype=float)
            self.entrants: list[str] = []
            self.gaps = pd.DataFrame(index=self.paper.index)
            return
        self.per_seed = per_seed(self.ok, spec.metric)
        self.entrants = entrant_order(self.ok["detector"], spec.baseline)
        means = spec.scale * self.per_seed.groupby(["detector", "group"]).mean()
        # rows in sorted order (the union of ours and the paper's), columns by entrant name
        self.gaps = means.unstack("detector").sub(self.paper["value"], axis=0)

    def _factor(self, unit: str) -> float:
        """Published numbers in display units: as printed when the units agree (no rounding)."""
        if (unit == "percent") == (self.spec.scale == 100.0):
            return 1.0
        return self.spec.scale if unit == "fraction" else self.spec.scale / 100.0

    def values(self, entrant: str, group: str) -> pd.Series | None:
        """Our per-seed values (0-1) of ``entrant`` on ``group``, or None when not run."""
        if (entrant, group) not in self.per_seed.index.droplevel("seed"):
            return None
        return self.per_seed.loc[(entrant, group)]


def ms(values: pd.Series, digits: int = 3, count: str = "n={}") -> str:
    """``mean ± sample std (n=count)`` of the values, or ``not run``."""
    v = values.dropna().to_numpy(dtype=float)
    if len(v) == 0:
        return "not run"
    sd = v.std(ddof=1) if len(v) > 1 else 0.0
    return f"{v.mean():.{digits}f} ± {sd:.{digits}f} ({count.format(len(v))})"


def stored_of(ctx: Context, parts: list[str]) -> pd.DataFrame | None:
    """The stored cells of the first part joined by those of the others, or None when the
    first has no cells."""
    frames = [ctx.frame(p) for p in parts]
    if frames[0] is None:
        return None
    return pd.concat([f for f in frames if f is not None], ignore_index=True)


def finished_of(ctx: Context, parts: list[str]) -> pd.DataFrame | None:
    """:func:`stored_of`'s finished cells."""
    rows = stored_of(ctx, parts)
    return None if rows is None else rows[rows["status"] == "ok"]
