"""The benchmark report: one document rendered as Markdown (``report.md`` + ``figures/*.png``) and
as a self-contained HTML page (``report.html``, figures inline as base64 PNG).

Cells are grouped by protocol and protocol parameters: a leaderboard never mixes, say, 1 % and
10 % labeled anomalies. Each group gets its leaderboard (mean AUC-ROC, AUC-PR, average rank), the
Friedman test with Nemenyi's critical-difference diagram, box plots of AUC per detector, per-dataset
mean +- std tables, ADBench's published numbers beside ours where a table exists, and an
explanation figure of the winner's top-scored test rows (``report_explain.py``). The report
ends with fit / score time per detector, failed cells and the run's environment.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from anomalab.bench import atomic, figures
from anomalab.bench.document import FIGURE_DIR, Figure, Section, to_html, to_markdown
from anomalab.bench.environment import read_runs
from anomalab.bench.leaderboard import METRICS, failures, leaderboard, per_dataset
from anomalab.bench.report_explain import explanation_section
from anomalab.bench.stats import compare
from anomalab.bench.targets import published_name, published_table

LABELS = {"auc_roc": "AUC-ROC", "auc_pr": "AUC-PR"}


def group_label(protocol: str, params: dict[str, Any]) -> str:
    inner = ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
    return f"{protocol} ({inner})" if inner else protocol


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def protocol_groups(results: pd.DataFrame) -> list[tuple[str, dict[str, Any], pd.DataFrame]]:
    """(protocol, protocol params, rows) for each distinct protocol setting in ``results``."""
    out = []
    for (protocol, raw), rows in results.groupby(["protocol", "protocol_params"], sort=True):
        params = json.loads(raw) if isinstance(raw, str) and raw else {}
        out.append((str(protocol), params, rows))
    return out


def _mean_table(rows: pd.DataFrame, metric: str) -> pd.DataFrame:
    ok = rows[rows["status"] == "ok"]
    return ok.groupby(["dataset", "detector"])[metric].mean().unstack("detector")


def _published_section(
    rows: pd.DataFrame, protocol: str, params: dict[str, Any], data_root: Any
) -> Section | None:
    tables = {m: published_table(protocol, params, m, data_root) for m in METRICS}
    tables = {m: t for m, t in tables.items() if t is not None}
    if not tables:
        return None
    section = Section("Published numbers beside ours", level=3)
    sources = ", ".join(f"{LABELS[m]}: {t.title} ({t.setting})" for m, t in tables.items())
    section.text(
        f"Published per-dataset means from {sources}, as fractions. ADBench's protocol differs "
        "from ours: it duplicates datasets under 1,000 rows before its 70/30 split and subsamples "
        "those over 10,000 rows; its numbers are the mean of 3 seeds. diff = ours - published."
    )
    summary = []
    for detector in sorted(rows["detector"].unique()):
        columns: dict[str, pd.Series] = {}
        for metric, table in tables.items():
            name = published_name(detector, table)
            if name is None:
                continue
            ours = _mean_table(rows, metric).get(detector)
            if ours is None:
                continue
            theirs = table.frame[name].reindex(ours.index)
            label = LABELS[metric]
            columns[f"{label} ours"] = ours
            columns[f"{label} published"] = theirs
            columns[f"{label} diff"] = ours - theirs
        if not columns:
            continue
        frame = pd.DataFrame(columns).dropna(
            how="all", subset=[c for c in columns if "published" in c]
        )
        if frame.empty:
            continue
        section.blocks.append(("text", f"**{detector}** (ADBench's name: {name})"))
        section.table(frame.round(4))
        entry: dict[str, Any] = {"detector": detector, "ADBench name": name, "datasets": len(frame)}
        for column in frame.columns:
            entry[f"mean {column}"] = frame[column].mean()
        summary.append(entry)
    if not summary:
        section.text("None of these detectors has a published counterpart in the tables.")
    else:
        section.blocks.insert(
            1, ("table", (pd.DataFrame(summary).set_index("detector").round(4), True))
        )
    return section


def _group_sections(
    label: str, rows: pd.DataFrame, protocol: str, params: dict[str, Any], data_root: Any
) -> list[Section]:
    slug = _slug(label)
    ok = rows[rows["status"] == "ok"]
    head = Section(f"{label}")
    seeds = sorted(int(s) for s in rows["seed"].unique())
    head.text(
        f"{rows['detector'].nunique()} detectors x {rows['dataset'].nunique()} datasets, seeds "
        f"{seeds}; {len(rows)} cells ({len(ok)} ok, {len(rows) - len(ok)} failed). Mean over "
        "datasets of each dataset's mean over seeds; average rank by AUC-ROC (1 = best) over the "
        "datasets every detector finished."
    )
    board = leaderboard(rows).round(4)
    head.table(board)
    sections = [head]
    if ok.empty:
        return sections

    stats_section = Section("Critical-difference diagram (Friedman + Nemenyi)", level=3)
    means = _mean_table(rows, "auc_roc")
    try:
        comparison = compare(means)
    except ValueError as exc:
        stats_section.text(f"Not drawn: {exc}.")
    else:
        if comparison.k >= 3:
            test = (
                f"Friedman chi2 = {comparison.friedman_statistic:.3f}, "
                f"p = {comparison.friedman_p:.4g}"
            )
        else:
            test = "Friedman test not defined for two detectors"
        stats_section.text(
            f"AUC-ROC ranks over the {comparison.n_datasets} datasets every detector finished; "
            f"{test}. Nemenyi critical difference at alpha = {comparison.alpha}: "
            f"CD = {comparison.cd:.3f} (Demšar 2006, eq. 5). Detectors joined by a bar do not "
            "differ significantly."
        )
        stats_section.figure(
            Figure(
                f"cd-{slug}",
                f"Critical-difference diagram, {label}",
                figures.cd_diagram(comparison, f"Average AUC-ROC rank: {label}"),
            )
        )
    sections.append(stats_section)

    box = Section("Box plots per detector", level=3)
    for metric in METRICS:
        box.figure(
            Figure(
                f"box-{metric}-{slug}",
                f"{LABELS[metric]} per detector, {label}",
                figures.auc_boxplot(_mean_table(rows, metric), LABELS[metric], label),
                half=True,
            )
        )
    sections.append(box)

    for metric in METRICS:
        table = Section(f"{LABELS[metric]} per dataset (mean +- std over seeds)", level=3)
        table.table(per_dataset(rows, metric))
        sections.append(table)
    published = _published_section(rows, protocol, params, data_root)
    if published is not None:
        sections.append(published)
    sections.append(explanation_section(label, rows, protocol, params, data_root))
    return sections


def _environment_section(results: pd.DataFrame, out_dir: Path | None) -> Section:
    section = Section("Environment")
    runs = read_runs(out_dir) if out_dir is not None else []
    if runs:
        commands = pd.DataFrame(
            [
                {
                    "started (UTC)": r.get("started_at"),
                    "command": r.get("command"),
                    "execution": r.get("execution"),
                    "git": _commit(r),
                }
                for r in runs
            ]
        )
        section.text("Commands that wrote into this run's store:")
        section.table(commands, index=False)
        last = runs[-1]
        machine = {
            key: last.get(key)
            for key in (
                "platform",
                "machine",
                "processor",
                "cpu_capability",
                "cpu_count",
                "memory_gib",
                "python",
                "torch_threads",
            )
        }
        machine.update({f"env {k}": v for k, v in (last.get("env") or {}).items()})
        section.text("Machine of the last command:")
        section.table(pd.DataFrame({"value": pd.Series(machine, dtype=object)}))
        section.text("Installed versions at the last command:")
        section.table(pd.DataFrame({"version": pd.Series(last.get("versions", {}), dtype=object)}))
    else:
        section.text("No run.json beside the store: commands and machine were not recorded.")
    seeds = sorted(int(s) for s in results["seed"].unique())
    section.text(f"Seeds in the results: {seeds}.")
    recorded = results.groupby("detector")["versions"].agg(lambda v: "; ".join(sorted(set(v))))
    section.text("Library versions each detector's cells recorded:")
    section.table(pd.DataFrame({"versions": recorded}))
    return section


def build_report(
    results: pd.DataFrame,
    title: str,
    command: str | None = None,
    out_dir: Path | None = None,
    data_root: Any = None,
) -> tuple[str, list[Section]]:
    """The report's title line and sections, from the store's rows."""
    intro = Section("Summary")
    if command:
        intro.text(f"Produced by `{command}`.")
    n_ok = int((results["status"] == "ok").sum())
    intro.text(
        f"{len(results)} cells ({n_ok} ok, {len(results) - n_ok} failed) in "
        f"{results.groupby(['protocol', 'protocol_params']).ngroups} protocol setting(s)."
    )
    sections = [intro]
    for protocol, params, rows in protocol_groups(results):
        sections += _group_sections(
            group_label(protocol, params), rows, protocol, params, data_root
        )

    timing = Section("Fit and score time per detector")
    ok = results[results["status"] == "ok"]
    if not ok.empty:
        times = ok.groupby("detector")[["fit_seconds", "score_seconds"]].mean()
        timing.text("Mean wall-clock seconds per cell over every ok cell of the report.")
        timing.table(times.round(4))
        timing.figure(
            Figure("timing", "Fit and score time per detector", figures.timing_plot(times, title))
        )
    sections.append(timing)
    bad = failures(results)
    if len(bad):
        failed = Section("Failed cells")
        failed.table(bad, index=False)
        sections.append(failed)
    sections.append(_environment_section(results, out_dir))
    return title, sections


def write_report(
    results: pd.DataFrame,
    out_dir: Path,
    title: str,
    command: str | None = None,
    data_root: Any = None,
) -> Path:
    """Write ``report.md`` (+ ``figures/*.png``) and the self-contained ``report.html`` into
    ``out_dir``; return the path of ``report.md``."""
    out_dir = Path(out_dir)
    title, sections = build_report(results, title, command, out_dir, data_root)
    figure_dir = out_dir / FIGURE_DIR
    figure_dir.mkdir(parents=True, exist_ok=True)
    for section in sections:
        for kind, value in section.blocks:
            if kind == "figure":
                with atomic.atomic_write(figure_dir / f"{value.name}.png") as tmp:
                    tmp.write_bytes(value.png)
    md = out_dir / "report.md"
    atomic.write_text(md, to_markdown(title, sections))
    page = out_dir / "report.html"
    atomic.write_text(page, to_html(title, sections))
    return md


def _commit(run: dict[str, Any]) -> str | None:
    """A run's git commit, flagged when its source had uncommitted changes."""
    commit = run.get("git_commit")
    return f"{commit} (uncommitted changes in src)" if commit and run.get("git_dirty") else commit
