"""Run AnoRand's benchmarks through the project's runner/store and write docs/results/anorand.md.

One command (cells already stored are skipped, so it resumes an interrupted run)::

    PYTHONPATH=src ANOMALAB_DATA=/work/shared/datasets OMP_NUM_THREADS=1 \\
        python benchmarks/anorand_report.py

Parts (``--parts``, default all): ``sweeps`` and ``sweeps-supervised`` (suites anorand-sweeps and
anorand-sweeps-supervised, validation splits), ``supervised`` (suite anorand-supervised, Table 2),
``unsup`` (suite adbench-unsup restricted to AnoRand, AutoEncoder and the classic peers, with
PyOD's DeepSVDD),
``mnist`` (digit 1 normal with 5 % digit 7, Sec. 6.2). Stores: ``runs/anorand/<suite>/``.
``--jobs N`` runs N cells at a time in worker processes (the runner's ``run_cells``).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from anomalab.bench.runner import Cell, expand_grid, run_cells
from anomalab.bench.store import STORE_FILE, ResultStore
from anomalab.bench.suites import load_suite
from anomalab.bench.targets import published_table
from anomalab.data import load_dataset, make_task, resolve_data_root
from anomalab.targets import published

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "results"

#: The paper's Table 2, column "Ours" (AnoRand, supervised): AUC-PR in %, mean and std over 10
#: runs (hal-04116457, Table 2), from the package's published numbers.
PAPER_TABLE2: dict[str, tuple[float, float]] = {
    row.dataset: (row.value, row.std)
    for row in published("anorand", "Table 2", entrant="AnoRand", metric="auc_pr").itertuples()
}
#: Table 2 rows without data here (absent from our copy of ADBench).
PAPER_MISSING = ("fraud", "census", "imdb", "Amazon", "FashionMNIST", "Agnews")
UNSUP_ENTRANTS = (
    "AnoRand",
    "AutoEncoder",
    "IForest",
    "PyOD-ECOD",
    "PyOD-COPOD",
    "PyOD-KNN",
    "PyOD-HBOS",
    "PyOD-PCA",
    "LOF",
    "OCSVM",
    "PyOD-DeepSVDD",
)
#: Table 2's option entrant (suite anorand-supervised) and its entry in the supervised sweep.
OPTION_ENTRANT, OPTION_SWEEP_LABEL = "AnoRand, lr 1e-2 (option)", "lr=1e-2"
#: Table 2's entrant whose lr is chosen per cell on a hold-out of the training part.
SEARCH_ENTRANT = "AnoRand, lr chosen on validation (option)"
#: The same choice with the real labels only (the paper's wording of its supervised mode).
REAL_SEARCH_ENTRANT = "AnoRand, real labels only, lr chosen on validation (option)"
SEARCH_ENTRANTS = (SEARCH_ENTRANT, REAL_SEARCH_ENTRANT)
#: Supervised-sweep entrants with the real labels only, and their twins with pseudo-anomalies.
REAL_LABEL_PAIRS = {
    "real labels only, lr=1e-3": "lr=1e-3",
    "real labels only, lr=1e-2": "lr=1e-2",
}
#: Sweep entrants that keep the best epoch on held-out training rows, and their last-epoch twins.
BEST_EPOCH_PAIRS = {
    "lr=1e-3, best epoch on 20 % held out": "lr=1e-3",
    "lr=1e-2, best epoch on 20 % held out": "lr=1e-2",
}
MNIST_ENTRANTS: list[tuple[str, dict[str, Any], str]] = [
    ("AnoRand", {}, "AnoRand"),
    ("AutoEncoder", {"hidden_dims": [32, 16], "latent_dim": 16}, "AutoEncoder 32-16-16"),
    ("IForest", {}, "IForest"),
]


def group_of(dataset: str) -> str:
    """ADBench's multi-version embeddings (CIFAR10_0, MVTec-AD_bottle, ...) -> their dataset."""
    for prefix in ("CIFAR10", "SVHN", "MVTec-AD"):
        if dataset.startswith(prefix + "_"):
            return prefix
    return dataset


def run_suite(
    name: str,
    out: Path,
    seeds: int | None,
    root: Path,
    keep=None,
    max_rows: int | None = None,
    jobs: int = 1,
) -> pd.DataFrame:
    # adbench-unsup is a general suite (recommended presets); this report runs the paper's
    suite = (
        load_suite(name, root)
        .with_preset("paper")
        .restrict(
            labels=keep,
            seeds=None if seeds is None else range(seeds),
            protocol_updates=None if max_rows is None else {"max_rows": max_rows},
        )
    )
    return run_and_collect(suite.cells(), out / name, root, name, jobs)


def run_and_collect(
    cells: list[Cell], folder: Path, root: Path, name: str, jobs: int = 1
) -> pd.DataFrame:
    store = ResultStore(folder / STORE_FILE)
    print(f"{name}: {len(cells)} cells", flush=True)

    def progress(row: dict[str, Any], summary: Any) -> None:
        done = summary.ok + summary.failed + summary.skipped
        print(
            f"  [{done}/{summary.total}] {row['detector']} {row['dataset']} "
            f"seed {row['seed']}: {row['status']} auc_pr={row.get('auc_pr')}",
            flush=True,
        )

    summary = run_cells(cells, store, data_root=root, jobs=jobs, on_result=progress)
    return store.frame(summary.keys)


# ------------------------------------------------------------------------------- MNIST 1 vs 7
def mnist_file(folder: Path, root: Path) -> Path:
    """Digit 1 normal + 5 % digit 7 (Sec. 6.2) as an npz of the official train+test images."""
    path = folder / "mnist_1v7.npz"
    if not path.is_file():
        data = load_dataset("mnist-images", root)
        X = data.X.reshape(len(data.X), -1)
        ones, sevens = np.flatnonzero(data.y == 1), np.flatnonzero(data.y == 7)
        n7 = round(0.05 * len(ones) / 0.95)
        sevens = np.sort(np.random.default_rng(0).choice(sevens, n7, replace=False))
        rows = np.concatenate([ones, sevens])
        folder.mkdir(parents=True, exist_ok=True)
        y = np.r_[np.zeros(len(ones)), np.ones(len(sevens))].astype(np.int64)
        np.savez(path, X=X[rows].astype(np.float32), y=y)
    return path


def mnist_histograms(path: Path, out_png: Path) -> None:
    """Score histograms of the test 1s and 7s for seed 0 (AnoRand's blocks and an autoencoder);
    scores clipped to their 0.5-99.5 percentiles."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from anomalab.bench.runner import make_entrant

    task = make_task(load_dataset(path), "unsupervised", 0, scale=None)
    anorand = make_entrant("AnoRand", {}, 0).fit(task.X_train, task.y_train)
    ae_block, nd_block = anorand.block_scores(task.X_test)
    panels = [
        ("AnoRand (fused, Eq. 8)", anorand.decision_function(task.X_test)),
        ("AnoRand MLP block", nd_block),
        ("AnoRand AE block (Eq. 6)", ae_block),
    ]
    ae = make_entrant("AutoEncoder", MNIST_ENTRANTS[1][1], 0).fit(task.X_train, task.y_train)
    panels.append(("AutoEncoder 32-16-16", ae.decision_function(task.X_test)))
    fig, axes = plt.subplots(1, len(panels), figsize=(12, 2.6))
    for ax, (title, scores) in zip(axes, panels, strict=True):
        lo, hi = np.percentile(scores, [0.5, 99.5])  # heavy tails would hide the bulk
        scores = np.clip(scores, lo, hi)
        bins = np.linspace(lo, hi, 40)
        ax.hist(scores[task.y_test == 0], bins=bins, alpha=0.6, density=True, label="digit 1")
        ax.hist(scores[task.y_test == 1], bins=bins, alpha=0.6, density=True, label="digit 7")
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=6)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_png, dpi=80)
    plt.close(fig)


# ----------------------------------------------------------------------------------- tables
def fmt(mean: float, std: float, scale: float = 100.0) -> str:
    return f"{scale * mean:.2f} ± {scale * std:.2f}"


def finished_by_group(df: pd.DataFrame) -> pd.DataFrame:
    """The finished cells, with a ``group`` column naming each dataset's Table 2 row."""
    ok = df[df["status"] == "ok"].copy()
    ok["group"] = ok["dataset"].map(group_of)
    return ok


def entrant_order(names: Any) -> list[str]:
    """Distinct entrant names, the defaults ("AnoRand") first, then alphabetical: a fixed column
    order, whatever order the cells finished in."""
    return sorted(set(names), key=lambda e: (e != "AnoRand", e))


def per_seed_auc_pr(ok: pd.DataFrame) -> pd.Series:
    """AUC-PR per (detector, group, seed) of :func:`finished_by_group`'s cells; a multi-version
    dataset (CIFAR10, SVHN, MVTec-AD) is the average over its versions."""
    return ok.groupby(["detector", "group", "seed"])["auc_pr"].mean()


def entrant_means(df: pd.DataFrame) -> pd.Series:
    """Mean AUC-PR (0-1) per (detector, group) over seeds, of :func:`per_seed_auc_pr`."""
    return per_seed_auc_pr(finished_by_group(df)).groupby(["detector", "group"]).mean()


def table2(df: pd.DataFrame) -> tuple[str, dict[str, tuple[int, int]], dict[str, list[str]]]:
    """Table 2 layout: AUC-PR (%) per dataset, ours (mean ± std over seeds of the per-seed
    average over versions) beside the paper's AnoRand value."""
    ok = finished_by_group(df)
    entrants = entrant_order(df["detector"])
    per_seed = per_seed_auc_pr(ok)
    versions = ok.groupby(["detector", "group"])["dataset"].nunique()
    fits = ok.groupby(["detector", "group"])["fit_seconds"].mean()
    header = "| dataset | paper AnoRand |" + "".join(
        f" {e} | diff | within 0.05 |" for e in entrants
    )
    lines = [header, "|---|---:|" + "---:|---:|:---:|" * len(entrants)]
    counts = {e: [0, 0] for e in entrants}
    misses: dict[str, list[str]] = {e: [] for e in entrants}
    for group, (p_mean, p_std) in PAPER_TABLE2.items():
        row = f"| {group} | {p_mean:.2f} ± {p_std:.2f} |"
        for e in entrants:
            if (e, group) not in versions.index:
                row += " not run | | |"
                continue
            vals = per_seed.loc[(e, group)]
            mean = float(vals.mean())
            std = float(vals.std(ddof=1)) if len(vals) > 1 else 0.0
            diff = 100 * mean - p_mean
            within = abs(diff) <= 5.0
            counts[e][0] += int(within)
            counts[e][1] += 1
            if not within:
                misses[e].append(f"{group} ({diff:+.1f})")
            n_ver = int(versions.loc[(e, group)])
            tag = f" ({n_ver} versions)" if n_ver > 1 else ""
            row += f" {fmt(mean, std)}{tag} | {diff:+.2f} | {'yes' if within else 'no'} |"
        lines.append(row)
    lines += ["", "Mean fit time per cell (seconds):", ""]
    lines += ["| dataset | " + " | ".join(entrants) + " |", "|---|" + "---:|" * len(entrants)]
    for group in PAPER_TABLE2:
        cells = [
            f"{fits.loc[(e, group)]:.1f}" if (e, group) in fits.index else "-" for e in entrants
        ]
        lines.append(f"| {group} | " + " | ".join(cells) + " |")
    return "\n".join(lines), {e: (c[0], c[1]) for e, c in counts.items()}, misses


def ranks(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Per detector: mean AUC-ROC / AUC-PR over the datasets every detector finished (each a mean
    over seeds), average rank by each metric (1 = best), datasets ranked first, fit time."""
    ok = df[df["status"] == "ok"]
    per = ok.groupby(["dataset", "detector"])[["auc_roc", "auc_pr"]].mean()
    per_all = per["auc_pr"].unstack("detector")
    n_det = ok["detector"].nunique()
    counts = ok.groupby("dataset")["detector"].nunique()
    complete = counts[counts == n_det].index.tolist()
    per = per.loc[per.index.get_level_values("dataset").isin(complete)]
    board = per.groupby("detector").mean()
    for metric in ("auc_roc", "auc_pr"):
        wide = per[metric].unstack("detector")
        r = wide.rank(axis=1, ascending=False, method="average")
        board[f"avg_rank_{metric}"] = r.mean()
        board[f"first_{metric}"] = (r == 1).sum()
    board["fit_seconds"] = ok.groupby("detector")["fit_seconds"].mean()
    board["cells_failed"] = (
        df[df["status"] != "ok"].groupby("detector").size().reindex(board.index).fillna(0)
    )
    return board.sort_values("avg_rank_auc_pr"), per_all, complete


def sweep_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per sweep entrant: mean AUC-PR / AUC-ROC over datasets and seeds (validation splits), and
    the mean over seeds of each dataset's AUC-PR."""
    ok = df[df["status"] == "ok"]
    per = ok.groupby(["detector", "dataset"])["auc_pr"].mean().unstack("dataset")
    per.insert(0, "mean AUC-ROC", ok.groupby("detector")["auc_roc"].mean())
    per.insert(0, "mean AUC-PR", ok.groupby("detector")["auc_pr"].mean())
    return per


def sweep_plot(tables: dict[str, pd.DataFrame], out_png: Path) -> None:
    """AUC-PR vs each swept parameter (validation; mean over datasets and seeds)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    defaults = {"w": 0.2, "sigma": 1.0, "target_frac": 0.05}
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.8))
    for ax, (param, default) in zip(axes, defaults.items(), strict=True):
        for mode, table in tables.items():
            xs, ys = [], []
            for label, value in table["mean AUC-PR"].items():
                if label == "default":
                    xs.append(default)
                elif label.startswith(param + "="):
                    xs.append(float(label.split("=")[1]))
                else:
                    continue
                ys.append(value)
            if len(xs) > 1:
                order = np.argsort(xs)
                ax.plot(np.array(xs)[order], np.array(ys)[order], marker="o", label=mode)
        ax.axvline(default, color="grey", lw=0.8, ls="--")
        ax.set_xlabel(param, fontsize=8)
        ax.set_ylabel("validation AUC-PR", fontsize=8)
        ax.tick_params(labelsize=7)
        if param == "sigma":
            ax.set_xscale("log")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_png, dpi=80)
    plt.close(fig)


def md(frame: pd.DataFrame, digits: int = 4) -> str:
    return frame.round(digits).to_markdown()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="sweeps-supervised,sweeps,supervised,unsup,mnist")
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "anorand")
    ap.add_argument("--seeds-supervised", type=int, default=3)
    ap.add_argument("--seeds-unsup", type=int, default=3)
    ap.add_argument("--seeds-mnist", type=int, default=1)
    ap.add_argument(
        "--unsup-max-rows", type=int, default=5000, help="row cap of adbench-unsup (ADBench: 10000)"
    )
    ap.add_argument("--report", type=Path, default=DOCS / "anorand.md")
    ap.add_argument("--jobs", type=int, default=1, help="cells run in parallel (processes)")
    args = ap.parse_args(argv)
    parts = set(args.parts.split(","))
    root = resolve_data_root(None)
    frames: dict[str, pd.DataFrame] = {}
    for part, name in (
        ("sweeps-supervised", "anorand-sweeps-supervised"),
        ("sweeps", "anorand-sweeps"),
    ):
        if part in parts:
            frames[name] = run_suite(name, args.out, None, root, jobs=args.jobs)
    if "supervised" in parts:
        frames["anorand-supervised"] = run_suite(
            "anorand-supervised", args.out, args.seeds_supervised, root, jobs=args.jobs
        )
    if "unsup" in parts:
        frames["adbench-unsup"] = run_suite(
            "adbench-unsup",
            args.out,
            args.seeds_unsup,
            root,
            keep=UNSUP_ENTRANTS,
            max_rows=args.unsup_max_rows,
            jobs=args.jobs,
        )
    if "mnist" in parts:
        path = mnist_file(args.out / "data", root)
        cells = expand_grid(
            MNIST_ENTRANTS,
            # relative to the working directory (the workers share it), so that a cell's key,
            # which names the file, is the same in every checkout run from its root
            [os.path.relpath(path)],
            "unsupervised",
            range(args.seeds_mnist),
            {"test_size": 0.3, "scale": None},
        )
        frames["mnist"] = run_and_collect(
            cells, args.out / "mnist-1v7", root, "mnist-1v7", args.jobs
        )
    write_report(frames, args, path if "mnist" in parts else None)


def option_lines(df: pd.DataFrame, default: str = "AnoRand") -> list[str]:
    """Each option entrant against the defaults on the same (dataset, seed) cells: where it is
    lower, and where its seeds spread widely (std over seeds above 10 AUC-PR points)."""
    per_seed = per_seed_auc_pr(finished_by_group(df))
    entrants = per_seed.index.get_level_values("detector")
    if default not in entrants:
        return []
    out = []
    for e in entrant_order(entrants):
        if e == default:
            continue
        diff = (per_seed.loc[e] - per_seed.loc[default]).dropna().groupby("group").mean()
        spread = per_seed.loc[e].groupby("group").std(ddof=1)
        lower = ", ".join(f"{g} ({100 * d:+.1f})" for g, d in diff.items() if d < 0)
        wide = ", ".join(f"{g} ({100 * v:.1f})" for g, v in spread.items() if v > 0.10)
        out.append(
            f"**{e}** against **{default}** on the same cells (mean difference in AUC-PR points): "
            f"lower on {lower or 'no dataset'}; std over seeds above 10 points on "
            f"{wide or 'no dataset'}. "
            + (
                "Its learning rate is chosen per cell on training data; "
                if e in SEARCH_ENTRANTS
                else "A single learning rate does not suit every dataset; "
                if lower
                else ""
            )
            + "the option is reported beside the paper's setting, which stays the default.",
        )
        out.append("")
    return out


def oracle_line(df: pd.DataFrame) -> list[str]:
    """How many Table 2 rows any entrant brings within 0.05 of the paper: the best entrant per
    dataset picked on the test parts -- a bound on what the learning rate alone can reach, never
    a selection."""
    means = entrant_means(df)
    gaps = (100 * means.unstack("detector")).sub(
        pd.Series({g: m for g, (m, _) in PAPER_TABLE2.items()}), axis=0
    )
    closest = gaps.abs().min(axis=1).dropna()
    never = [g for g, v in closest.items() if v > 5.0]
    bound = int((closest <= 5.0).sum())
    lines = [
        "Bound, not a selection: picking per dataset whichever entrant lands closest to the "
        f"paper on the test parts brings {bound} of {len(closest)} rows "
        f"within 0.05; {', '.join(never) or 'none'} miss with every entrant tried here.",
    ]
    for entrant in SEARCH_ENTRANTS:
        if entrant not in gaps.columns:
            continue
        hits = int((gaps[entrant].abs() <= 5.0).sum())
        lines.append(
            f"The admissible counterpart `{entrant}` (the lr chosen per cell on a hold-out of "
            f"the training part) brings {hits} of {len(closest)} rows within 0.05"
            + (", the bound itself." if hits == bound else f" against the bound's {bound}.")
        )
    return [*lines, ""]


def d19_table(data_root: Any = None) -> Any:
    """ADBench's fully supervised AUC-PR table (la = 100 %, appendix D19), or None if absent."""
    return published_table("semi_supervised", {"ratio": 1.0}, "auc_pr", data_root)


def d19_best(frame: pd.DataFrame, group: str) -> tuple[str, float, float | None]:
    """(best method, its value, ADBench's MLP or None) of one dataset's row of D19 (in %)."""
    row = frame.loc[group].dropna()
    best = str(row.idxmax())
    return best, float(row[best]), float(row["MLP"]) if "MLP" in row.index else None


def search_miss_lines(df: pd.DataFrame, table: Any) -> list[str]:
    """Each hold-out entrant's misses, one line per dataset: ours (mean ± std over seeds), the
    paper, ADBench's best published method and its MLP (D19), and the lr choices on the hold-out.
    Published numbers and stored cells only; nothing here is selected."""
    frame = 100 * table.frame if table is not None else pd.DataFrame()
    ok = finished_by_group(df)
    per_seed = 100 * per_seed_auc_pr(ok)
    picked = selected_params(ok)
    lines = []
    for entrant in SEARCH_ENTRANTS:
        if entrant not in per_seed.index.get_level_values("detector"):
            continue
        mine = per_seed.loc[entrant]
        items = []
        for group, (p_mean, _) in PAPER_TABLE2.items():
            if group not in mine.index.get_level_values("group"):
                continue
            values = mine.loc[group]
            if abs(values.mean() - p_mean) <= 5.0:
                continue
            text = (
                f"{group}: ours {values.mean():.2f} ± {values.std(ddof=1):.2f}, paper {p_mean:.2f}"
            )
            if group in frame.index:
                best, top, mlp = d19_best(frame, group)
                text += f", ADBench best {top:.2f} ({best})"
                if mlp is not None:
                    text += f", ADBench MLP {mlp:.2f}"
                    if values.mean() >= mlp - 2.0:
                        text += " (ours within 2 points of ADBench's MLP or above it)"
                if p_mean > top:
                    text += "; the paper's value lies above every published ADBench method"
            cells = picked[(ok["detector"] == entrant) & (ok["group"] == group)].dropna()
            text += "; lr chosen " + ", ".join(f"{d['lr']:g}" for d in cells)
            items.append(text)
        if items:
            lines += [
                f"Misses of **{entrant}**, one by one (AUC-PR %, ours = mean ± sample std over "
                "seeds):",
                "",
                *[f"- {item}" for item in items],
                "",
            ]
    return lines


def selected_params(ok: pd.DataFrame) -> pd.Series:
    """Per cell, what :class:`HoldoutSearch` chose (the ``selected`` entry the runner stores in
    the cell's params), or None for entrants without a search."""
    return ok["params"].map(lambda p: json.loads(p).get("selected"))


def selection_lines(df: pd.DataFrame) -> list[str]:
    """Which values :class:`HoldoutSearch` picked, per Table 2 dataset (over seeds and versions)."""
    ok = finished_by_group(df)
    picked = selected_params(ok).dropna()
    ok = ok.loc[picked.index].assign(
        choice=picked.map(lambda d: ", ".join(f"{k} {v:g}" for k, v in sorted(d.items())))
    )
    lines = []
    for entrant in entrant_order(ok["detector"].unique()):
        mine = ok[ok["detector"] == entrant]
        parts = []
        for group in PAPER_TABLE2:
            counts = mine[mine["group"] == group]["choice"].value_counts()
            if len(counts):
                parts.append(f"{group}: " + ", ".join(f"{c} x{n}" for c, n in counts.items()))
        lines += [
            f"Chosen on the hold-out by **{entrant}** (cells = seeds x versions): "
            + "; ".join(parts)
            + ".",
            "",
        ]
    return lines


def adbench_context(df: pd.DataFrame, table: Any) -> list[str]:
    """Table 2's datasets in ADBench's own fully supervised table (la = 100 %, appendix D19):
    the best of its sixteen published methods and its MLP beside the paper's AnoRand and our
    closest entrant -- where the paper's value lies above every published method, no small MLP
    of ours is expected to reach it. Published numbers only; nothing here is selected."""
    if table is None:
        return ["ADBench's fully supervised table (D19) is not in the targets folder.", ""]
    frame = 100 * table.frame
    means = 100 * entrant_means(df)
    lines = [
        f"ADBench's own fully supervised results (la = 100 %, {table.title}, AUC-PR %, the "
        "same protocol as Table 2, averaged over versions as ADBench reports them): the best "
        "of its sixteen methods and its MLP, beside the paper's AnoRand and the mean of each "
        "of our entrants (best of ours = whichever entrant is highest on the test parts, a "
        "bound, not a selection).",
        "",
        "| dataset | paper AnoRand | ADBench best (method) | ADBench MLP | best of ours (entrant) |",
        "|---|---:|---:|---:|---:|",
    ]
    above: list[str] = []
    for group, (p_mean, _) in PAPER_TABLE2.items():
        if group not in frame.index:
            lines.append(f"| {group} | {p_mean:.2f} | not in D19 | | |")
            continue
        best, top, mlp = d19_best(frame, group)
        ours = means.xs(group, level="group") if group in means.index.get_level_values(1) else None
        mine = f"{ours.max():.2f} ({ours.idxmax()})" if ours is not None else "not run"
        mlp_text = f"{mlp:.2f}" if mlp is not None else "-"
        lines.append(f"| {group} | {p_mean:.2f} | {top:.2f} ({best}) | {mlp_text} | {mine} |")
        if p_mean > top:
            above.append(f"{group} ({p_mean:.2f} against {top:.2f}, {best})")
    lines += [
        "",
        "The paper's AnoRand value lies above every method in ADBench's fully supervised table "
        f"on {len(above)} of {len(PAPER_TABLE2)} datasets: "
        + (", ".join(above) if above else "none")
        + ".",
        "",
    ]
    return lines


def explain_misses(misses: dict[str, list[str]], sweep: pd.DataFrame | None) -> list[str]:
    """Which datasets miss the paper by more than 0.05, and the validation evidence on why."""
    out = []
    for e, items in misses.items():
        if items:
            out.append(f"Misses of **{e}** (ours minus paper, points): " + ", ".join(items) + ".")
    if sweep is not None and len(sweep):
        table = sweep_table(sweep)
        if {"default", OPTION_SWEEP_LABEL} <= set(table.index):
            d, f = table.loc["default"], table.loc[OPTION_SWEEP_LABEL]
            per = ", ".join(
                f"{c} {d[c]:.3f} -> {f[c]:.3f}" for c in table.columns if not c.startswith("mean")
            )
            best = table["mean AUC-PR"].idxmax()
            out += [
                "",
                "Why (validation evidence, not test data): with the paper's training budget "
                "(Adam lr 1e-4, 200 epochs of batch 128, i.e. about 200 * n / 128 steps) the "
                "networks are far from converged on the small and low-dimensional sets. In the "
                f"supervised validation sweep, `{OPTION_SWEEP_LABEL}` moves the mean AUC-PR from "
                f"{d['mean AUC-PR']:.3f} to {f['mean AUC-PR']:.3f} ({per}); the sweep's best "
                f"entrant by mean AUC-PR is `{best}`. The paper's optimizer, "
                "framework, initialisation and decoder are unstated, so its effective training "
                "budget may differ from ours; w barely matters in this mode (sweep below). "
                "Table 2's AnoRand values also come from 10 runs whose protocol details "
                "(seeds, versions, duplicates) are not given.",
            ]
    return out


def best_epoch_lines(sweep: pd.DataFrame | None) -> list[str]:
    """The best-epoch option (``validation_fraction``) against the last epoch on the sweep."""
    if sweep is None or not len(sweep):
        return []
    t = sweep_table(sweep)["mean AUC-PR"]
    pairs = [(b, last) for b, last in BEST_EPOCH_PAIRS.items() if {b, last} <= set(t.index)]
    if not pairs:
        return []
    text = "; ".join(f"`{b}` {t[b]:.3f} against `{last}` {t[last]:.3f}" for b, last in pairs)
    helps = any(t[b] > t[last] for b, last in pairs)
    verdict = (
        "it helps at one learning rate at least, but Table 2's options keep the last epoch"
        if helps
        else "it does not help on average (the held-out rows are lost to training), so Table 2's "
        "option keeps the paper's last-epoch model"
    )
    return [
        "Best-epoch selection (`validation_fraction=0.2`, an option of ours: 20 % of the real "
        "training rows held out, stratified, the epoch with the highest average precision on "
        f"them kept), validation mean AUC-PR: {text}; {verdict}.",
        "",
    ]


def real_label_lines(sweep: pd.DataFrame | None) -> list[str]:
    """The real-labels-only reading against pseudo-anomalies added, at the same lr, on the
    supervised validation sweep (mean AUC-PR and the datasets where it is higher)."""
    if sweep is None or not len(sweep):
        return []
    table = sweep_table(sweep)
    pairs = [(r, p) for r, p in REAL_LABEL_PAIRS.items() if {r, p} <= set(table.index)]
    if not pairs:
        return []
    datasets = [c for c in table.columns if not c.startswith("mean")]
    parts = []
    for real, pseudo in pairs:
        up = [c for c in datasets if table.loc[real, c] > table.loc[pseudo, c]]
        parts.append(
            f"`{real}` {table.loc[real, 'mean AUC-PR']:.3f} against `{pseudo}` "
            f"{table.loc[pseudo, 'mean AUC-PR']:.3f} (higher on {len(up)} of {len(datasets)}: "
            f"{', '.join(up) or 'none'})"
        )
    return [
        "Real labels only (`supervised_synthetic=False`, the paper's wording of its supervised "
        'mode: "using the actual labels to train the model instead of creating pseudo labels"; '
        "the defaults add pseudo-anomalies, as the issue asks), validation mean AUC-PR: "
        + "; ".join(parts)
        + ".",
        "",
    ]


def unsup_explanation(sweep: pd.DataFrame | None) -> list[str]:
    """Validation evidence on why the unsupervised fused score is weak (score ablations)."""
    if sweep is None or not len(sweep):
        return []
    t = sweep_table(sweep)["mean AUC-PR"]
    if not {"default", "score=ae", "score=mlp"} <= set(t.index):
        return []
    return [
        "Why (validation evidence, cardio only for lack of compute): the fused score of Eq. 8 "
        "weights each block by the other's Q3, i.e. it is proportional to "
        "y_AE / Q3(y_AE) + y_mlp / Q3(y_mlp). Since y_AE = sigmoid(norm) lies in [0.5, 1), its "
        "relative spread is small and the MLP block dominates; in the unsupervised mode that "
        "block (trained to tell rows from their noisy copies) ranks real anomalies poorly. "
        f"Validation AUC-PR: fused {t['default']:.3f}, MLP block alone {t['score=mlp']:.3f}, "
        f"autoencoder block alone {t['score=ae']:.3f} (`score` option; not the paper's score).",
        "",
    ]


def rank_verdict(board: pd.DataFrame) -> list[str]:
    """Plain statement of where AnoRand ranks (the paper claims it ranks first most often)."""
    if "AnoRand" not in board.index:
        return []
    order = board.sort_values("avg_rank_auc_pr")
    pos = list(order.index).index("AnoRand") + 1
    firsts = board["first_auc_pr"]
    most = firsts.idxmax()
    a = board.loc["AnoRand"]
    holds = most == "AnoRand"
    return [
        f"AnoRand: average rank {a['avg_rank_auc_pr']:.2f} by AUC-PR (position {pos} of "
        f"{len(board)}), {a['avg_rank_auc_roc']:.2f} by AUC-ROC, mean AUC-ROC "
        f"{a['auc_roc']:.3f}; first by AUC-PR on {int(a['first_auc_pr'])} datasets "
        f"(most firsts: {most}, {int(firsts.max())}). The paper's claim that AnoRand ranks "
        f"first most often **{'holds' if holds else 'does not hold'}** here.",
    ]


CHOICES = [
    "## Implementation choices (the paper leaves these open)",
    "",
    "- Paper values kept as defaults: MLP 32-16 with a sigmoid output, encoder 32-16 with a "
    "latent of 16, decoder reading concat(MLP last hidden output, latent) (Eq. 1), loss "
    "w * BCE + (1 - w) * reconstruction of normal-labeled rows (Eqs. 2-4), w = 0.2, 200 epochs, "
    "batch 128, lr 1e-4, 2 % of the rows selected and grown to 5 % (Sec. 5.1, 6).",
    "- Ours: Adam; ReLU hidden layers; a mirrored decoder (32-16-32-d) with a linear output; "
    "reconstruction term = per-row mean squared error masked by (1 - y), averaged over the "
    "batch; BCE on the logit; SMOTE with k = 5 neighbours inside the selected subset; Gaussian "
    "noise sigma = 1.0 times each feature's training std, added after SMOTE to every synthetic "
    "row; the selected rows leave the normal set; last-epoch model, no early stopping.",
    "- Score (Eqs. 6-8): y_AE = sigmoid(||x - x_hat||_2), y_mlp = sigmoid(logit), both in "
    "float64; alpha = Q3(y_AE) / (Q3(y_mlp) + Q3(y_AE)) from the real training rows, stored "
    "at fit time (`alpha_`).",
    "- Modes: unsupervised when no label 1 is given (real rows 0, pseudo-anomalies 1; training "
    "data contaminated under ADBench's protocol); supervised when labels are given (real "
    "anomalies 1, rows labeled 0 / -1 normal, plus pseudo-anomalies by default, as the issue "
    "asks; `supervised_synthetic=False` uses the real labels only, which is the paper's own "
    'wording: "using the actual labels to train the model instead of creating pseudo labels").',
    "- `lr=1e-3` and `lr=1e-2` are not the paper's setting: the validation sweeps use them to "
    "measure whether the paper's lr = 1e-4 with 200 epochs under-trains the small datasets, and "
    f"Table 2 runs the best of them with pseudo-anomalies added as a separate entrant "
    f"(`{OPTION_ENTRANT}`), chosen on validation splits, never on test data, lr 1e-3 beside it, "
    "and two entrants that pick the lr per cell on a hold-out of the training part (with and "
    "without pseudo-anomalies); the default stays the paper's lr.",
    "- `validation_fraction` (default 0, the paper's last-epoch model) is an option of ours: it "
    "holds out a stratified share of the real training rows before the pseudo-anomalies are made "
    "and keeps the epoch with the best average precision on them (supervised mode) or the lowest "
    "Eq. 4 loss (unsupervised mode); measured on the supervised sweep below.",
    "",
]


def write_report(frames: dict[str, pd.DataFrame], args: Any, mnist_path: Path | None) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    command = "PYTHONPATH=src python benchmarks/anorand_report.py " + " ".join(
        shlex.quote(a) for a in sys.argv[1:]
    )
    lines = [
        "# AnoRand: reproduction report",
        "",
        f"Generated by `{command.strip()}` (stores under `runs/anorand/`; every number below "
        "comes from the project's runner/store; the paper's values are labelled as such). "
        "Paper: Zoubeirou a Mayaki & Riveill, *AnoRand*, hal-04116457. No official code exists; "
        "every open choice is a documented parameter of `anomalab.AnoRand` (see its docstring "
        "and `../shared/specs/anorand.md` section 9).",
        "",
        "AUC-PR is scikit-learn's average precision (ADBench's convention), in % in Table 2. "
        "Fit times are wall-clock seconds per cell as stored; the cells may have shared the "
        "machine's cores with other runs (`--jobs`, other benchmarks), so compare them within "
        "one table rather than with timings made elsewhere.",
        "",
        *CHOICES,
    ]
    sup = frames.get("anorand-supervised")
    if sup is not None and len(sup):
        text, counts, misses = table2(sup)
        seeds = sup["seed"].nunique()
        lines += [
            "## Table 2: fully supervised (AUC-PR %)",
            "",
            f"Suite `anorand-supervised`, protocol `supervised` (ADBench la = 100 %: stratified "
            f"70/30 split, min-max fitted on train, > 10,000 rows subsampled to 10,000, < 1,000 "
            f"rows bootstrapped to 1,000 as ADBench does), {seeds} seeds (paper: 10 runs). "
            "CIFAR10, SVHN and MVTec-AD: per-seed average over the versions we have, then "
            "mean ± std over seeds. `AnoRand` (defaults) adds pseudo-anomalies to the real "
            "labels (`supervised_synthetic=True`); the real-labels-only reading (the spec's A15) "
            f"is compared on validation splits below. `{OPTION_ENTRANT}`: the same with lr 1e-2 "
            "instead of the paper's 1e-4, the best learning rate of the supervised validation "
            "sweep with pseudo-anomalies added (below); not the paper's setting. "
            "`AnoRand, lr 1e-3 (option)`: the sweep's second learning rate, run beside it to show how far the test result depends on "
            "the lr; it is not a selection, and neither option is the default. "
            f"`{SEARCH_ENTRANT}`: the learning rate picked per cell among the three (1e-4, "
            "1e-3, 1e-2) by the AUC-PR on a stratified 30 % hold-out of the training part "
            "(`anomalab.model_selection.HoldoutSearch`; test rows never seen), the winner "
            "refitted on the whole training part; an option, not the paper's method. "
            f"`{REAL_SEARCH_ENTRANT}`: the same choice with no pseudo-anomalies "
            "(`supervised_synthetic=False`, the paper's wording of its supervised mode; "
            "validation evidence below). On the "
            "bootstrapped MVTec-AD categories the hold-out can hold copies of inner training "
            "rows (ADBench duplicates before splitting), which flatters the hold-out score but "
            "never touches the test part.",
            "",
            text,
            "",
        ]
        for e, (hit, n) in counts.items():
            lines.append(
                f"- **{e}**: within 0.05 AUC-PR of the paper on {hit} of {n} datasets "
                f"({'meets' if n and hit * 3 >= 2 * n else 'misses'} the two-thirds target)."
            )
        lines += ["", *explain_misses(misses, frames.get("anorand-sweeps-supervised"))]
        lines += ["", *option_lines(sup), *oracle_line(sup)]
        d19 = d19_table()
        lines += [
            "",
            *selection_lines(sup),
            *search_miss_lines(sup, d19),
            *adbench_context(sup, d19),
        ]
        lines += [
            "",
            "Table 2 rows we cannot run (not in our ADBench copy): "
            + ", ".join(PAPER_MISSING)
            + " (census: only DevNet's 495-feature copy is here, not ADBench's; not run for "
            "lack of compute).",
            "",
        ]
    for name, title in (
        ("anorand-sweeps", "unsupervised mode"),
        ("anorand-sweeps-supervised", "supervised mode"),
    ):
        if name not in frames:
            continue
        lines += [
            f"## Sensitivity on validation splits ({title})",
            "",
            f"Suite `{name}`: protocol `validation` (the benchmark's test part is dropped; the "
            "training part is split again 70/30, stratified), 3 seeds, one parameter changed "
            "at a time from the defaults (two where an entrant's label names two). Columns: mean "
            "AUC-PR / AUC-ROC over datasets and seeds, then each dataset's mean AUC-PR.",
            "",
            md(sweep_table(frames[name])),
            "",
        ]
        if name == "anorand-sweeps-supervised":
            lines += best_epoch_lines(frames[name])
            lines += real_label_lines(frames[name])
    sweeps = {
        mode: sweep_table(frames[name])
        for name, mode in (
            ("anorand-sweeps", "unsupervised"),
            ("anorand-sweeps-supervised", "supervised"),
        )
        if name in frames
    }
    if sweeps:
        sweep_plot(sweeps, DOCS / "anorand_sweeps.png")
        lines += ["![sweeps](anorand_sweeps.png)", ""]
    uns = frames.get("adbench-unsup")
    if uns is not None and len(uns):
        board, per, complete = ranks(uns)
        seeds = uns["seed"].nunique()
        lines += [
            "## Unsupervised: ADBench catalog (suite `adbench-unsup`)",
            "",
            f"Protocol `unsupervised` (stratified 70/30, min-max on train, contaminated training "
            f"data; datasets over {args.unsup_max_rows:,} rows subsampled (stratified) to "
            f"{args.unsup_max_rows:,} to fit our compute budget, where ADBench caps at 10,000), "
            f"{seeds} seeds, AnoRand with defaults "
            "beside the classic peers (PyOD / scikit-learn defaults, PyOD's DeepSVDD among "
            "them) and the plain AutoEncoder "
            f"on the same cells. Ranks over the {len(complete)} datasets that every entrant "
            "finished (per dataset the mean over seeds; 1 = best).",
            "",
            md(board, 3),
            "",
            *rank_verdict(board),
            "",
            *unsup_explanation(frames.get("anorand-sweeps")),
        ]
        failing = sorted(set(uns.loc[uns["status"] != "ok", "detector"]))
        if failing:
            board2, _, complete2 = ranks(uns[~uns["detector"].isin(failing)])
            lines += [
                f"Entrants with failed cells ({', '.join(failing)}; see 'Failed cells') remove "
                f"datasets from the ranking above. Without them, over {len(complete2)} datasets:",
                "",
                md(board2, 3),
                "",
                *rank_verdict(board2),
                "",
            ]
        lines += [
            "AUC-PR per dataset (mean over the seeds that finished):",
            "",
            md(per, 3),
            "",
        ]
    mnist = frames.get("mnist")
    if mnist is not None and len(mnist) and mnist_path is not None:
        mnist_histograms(mnist_path, DOCS / "anorand_mnist_hist.png")
        ok = mnist[mnist["status"] == "ok"]
        g = ok.groupby("detector")[["auc_roc", "auc_pr", "fit_seconds"]]
        table = g.mean().join(g.std(ddof=1).add_suffix("_std"))
        lines += [
            "## MNIST: digit 1 normal, 5 % digit 7 (Sec. 6.2)",
            "",
            "All official digit-1 images plus digit-7 images drawn (seed 0) to make 5 % of the "
            "rows, pixels in [0, 1] as 784 features; protocol `unsupervised` (stratified 70/30, "
            f"contaminated training data, no rescaling), {ok['seed'].nunique()} seeds.",
            "",
            md(table),
            "",
            "Score histograms on the test part (seed 0; scores clipped to their 0.5-99.5 "
            "percentiles):",
            "",
            "![mnist](anorand_mnist_hist.png)",
            "",
        ]
    failed = pd.concat([f[f["status"] != "ok"] for f in frames.values()]) if frames else None
    if failed is not None and len(failed):
        lines += ["## Failed cells", ""]
        for _, r in failed.iterrows():
            first = str(r["error"]).splitlines()[0]
            lines.append(f"- {r['detector']} / {r['dataset']} / seed {r['seed']}: {first}")
        lines.append("")
    args.report.write_text("\n".join(lines))
    print(f"wrote {args.report}")


if __name__ == "__main__":
    main()
