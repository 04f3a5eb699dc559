"""Write docs/results/novnorm.md: NovNorm's Tables 1-5 with the paper's numbers beside ours.

Our numbers come only from the results store (``runs/novnorm/results.sqlite``), matched to the
cells of the committed suites in ``SUITES`` (``novnorm-images`` and its paper-preset twin
``novnorm-images-paper``, ``novnorm-ablation``, ``novnorm-multiclass``, ``novnorm-options``) by
cell key; a cell that is not in the store is shown as "not run yet". ``--run SUITE`` first runs
that suite's missing cells through the project's runner (optionally only some datasets, classes,
seeds), so one command both runs and reports::

    PYTHONPATH=src python benchmarks/novnorm_report.py \
        --run novnorm-images --datasets mnist-images --classes 0 --seeds 1 [--jobs 2]

``--labels`` keeps only the suite entrants so labelled (one rung of the ablation ladder).

``--figure dataset:class ...`` refits cells to plot their extreme test images, and
``--diagnose dataset:class ...`` refits the full model with and without detached batch extremes
and measures what the loss did to the score (saved to ``docs/results/novnorm_diagnosis.json``,
shown from there on every later run).

Paper numbers (Wu et al., CVIU 2021, Tables 1-5) are the package's published numbers
(``anomalab.targets``), shown as targets.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from anomalab.bench.runner import Cell, run_cells
from anomalab.bench.store import STORE_FILE, ResultStore
from anomalab.bench.suites import Suite, load_suite
from anomalab.targets import published, published_value

SUITES = (
    "novnorm-images",
    "novnorm-images-paper",
    "novnorm-ablation",
    "novnorm-multiclass",
    "novnorm-options",
)
MNIST = [str(d) for d in range(10)]
CIFAR = "plane car bird cat deer dog frog horse ship truck".split()
FMNIST = "T-shirt trouser pullover dress coat sandal shirt sneaker bag boot".split()


def paper_classes_and_mean(table: str, dataset: str) -> list[float]:
    """NovNorm's AUC-ROC (%) per normal class 0-9, then the ten-class mean ("Ours" row)."""
    value = published("novnorm", table, entrant="NovNorm").set_index("dataset")["value"]
    return [float(value[f"{dataset}:{k}"]) for k in range(10)] + [float(value[dataset])]


# The paper's own numbers (AUC %), from the package's published numbers (``anomalab.targets``).
PAPER_MNIST = paper_classes_and_mean("Table 1", "mnist-images")
PAPER_CIFAR = paper_classes_and_mean("Table 2", "cifar10")
PAPER_FMNIST_MEAN = published_value("novnorm", "Table 3", "fashion-mnist", "NovNorm", "auc_roc")[0]
PAPER_ABLATION = {  # Table 4: (MNIST, CIFAR-10)
    rung: tuple(
        published_value("novnorm", "Table 4", d, rung, "auc_roc")[0]
        for d in ("mnist-images", "cifar10")
    )
    for rung in pd.unique(published("novnorm", "Table 4")["entrant"])
}
PAPER_MULTICLASS = {  # Table 5
    row.entrant: row.value for row in published("novnorm", "Table 5").itertuples()
}
TARGETS = {"mnist-images": 0.95, "fashion-mnist": 0.90, "cifar10": 0.62}  # issue 8 "Done when"
# The presets each target may be met with (the issue asks CIFAR-10 of the cpu preset).
TARGET_PRESETS = {
    "mnist-images": ("cpu", "paper"),
    "fashion-mnist": ("cpu", "paper"),
    "cifar10": ("cpu",),
}

NOT_RUN = "not run yet"


# ---------------------------------------------------------------------------- running
def select(
    cells: Sequence[Cell],
    datasets: Sequence[str] | None,
    classes: Sequence[int] | None,
    seeds: int | None,
) -> list[Cell]:
    """The cells of a suite restricted to some datasets, normal classes and the first seeds."""
    out = []
    for cell in cells:
        if datasets and cell.dataset not in datasets:
            continue
        normal = cell.protocol_params.get("normal_class")
        if classes is not None and normal is not None and int(normal) not in classes:
            continue
        if seeds is not None and cell.seed >= seeds:
            continue
        out.append(cell)
    return out


def run(suite: Suite, store: ResultStore, args: argparse.Namespace, root: str | None) -> None:
    if args.labels:
        try:
            suite = suite.restrict(labels=args.labels)
        except ValueError as exc:
            raise SystemExit(str(exc)) from None
    cells = select(suite.cells(), args.datasets, args.classes, args.seeds)
    print(f"{suite.name}: running up to {len(cells)} cells", flush=True)

    def log(row: dict, summary: object) -> None:
        auc = row.get("auc_roc")
        print(
            f"  {row['detector']} {row['dataset']} {row['protocol_params']} seed {row['seed']}: "
            f"{row['status']} auc={auc if auc is None else round(auc, 4)} "
            f"fit={row.get('fit_seconds', float('nan')):.0f}s",
            flush=True,
        )

    run_cells(cells, store, data_root=root, jobs=args.jobs, threads=1, on_result=log)


# --------------------------------------------------------------------------- figure
FIGURE = "novnorm_extremes.png"
COMMANDS = "commands.log"  # every --run command that filled the store, one a line


def figure(specs: Sequence[str], out_dir: Path, root: str | None, command: str) -> Path:
    """Refit the novnorm-images cell (cpu preset, seed 0) of each ``dataset:class`` and plot its
    8 least and 8 most anomalous test images (the fit equals the stored cell's: same seeds)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from anomalab.bench.runner import make_entrant
    from anomalab.data import load_dataset, make_task

    fig, axes = plt.subplots(len(specs), 16, figsize=(16, 1.25 * len(specs)), squeeze=False)
    for row, spec in enumerate(specs):
        dataset, normal = spec.split(":")
        task = make_task(
            load_dataset(dataset, root), "image_one_class", 0, normal_class=int(normal)
        )
        det = make_entrant("NovNorm", {"preset": "paper", "budget": "cpu"}, 0).fit(task.X_train)
        order = np.argsort(det.decision_function(task.X_test))
        for col, idx in enumerate([*order[:8], *order[-8:]]):
            img = task.X_test[idx].transpose(1, 2, 0)
            ax = axes[row, col]
            ax.imshow(img.squeeze(), cmap="gray" if img.shape[2] == 1 else None, vmin=0, vmax=1)
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_title("anomaly" if task.y_test[idx] else "normal", fontsize=6)
        axes[row, 0].set_ylabel(spec, fontsize=7)
    fig.suptitle(
        "NovNorm (cpu preset, seed 0): 8 least (left) and 8 most (right) anomalous test images",
        y=1.0 + 0.12 / len(specs),
    )
    path = out_dir / FIGURE
    fig.savefig(path, dpi=110, bbox_inches="tight")
    (out_dir / (FIGURE + ".txt")).write_text(f"{command}\n{', '.join(specs)}\n")
    return path


# ------------------------------------------------------------------------- diagnosis
DIAGNOSIS = "novnorm_diagnosis.json"
DIAGNOSED = {  # the two losses compared: the paper's reading and the detached option
    "faithful (gradients through the batch extremes)": {"preset": "paper", "budget": "cpu"},
    "detached batch extremes": {"preset": "paper", "budget": "cpu", "detach_minmax": True},
}


def diagnose(specs: Sequence[str], out_dir: Path, root: str | None, command: str) -> Path:
    """Refit the full model of ``dataset:class`` (cpu preset, seed 0) with each loss of
    ``DIAGNOSED`` and measure what training did to the score S = 0.5 r + 0.5 n on the normal
    training images (batches of the training size, eval mode) and which term ranks the test set.
    A diagnosis of the stored cells (same seeds), not a selection: nothing here feeds a default.
    """
    import torch
    from sklearn.metrics import roc_auc_score

    from anomalab.bench.runner import make_entrant
    from anomalab.data import load_dataset, make_task
    from anomalab.detectors.novnorm import minmax_normalize, reconstruction_error
    from anomalab.nn.training import predict_in_chunks

    rows = []
    for spec in specs:
        dataset, normal = spec.split(":")
        task = make_task(
            load_dataset(dataset, root), "image_one_class", 0, normal_class=int(normal)
        )
        for variant, params in DIAGNOSED.items():
            det = make_entrant("NovNorm", params, 0).fit(task.X_train)
            det.model_.eval()

            def terms(batch: torch.Tensor, det=det) -> torch.Tensor:
                x_hat, ns = det.model_(batch)
                r = reconstruction_error(batch, x_hat, det.recon_reduction)
                return torch.stack([r, ns], dim=1)

            def split(X: np.ndarray, det=det) -> tuple[np.ndarray, np.ndarray]:
                X = det._transform(det._check_X(X, fitting=False))
                with torch.no_grad():
                    out = predict_in_chunks(terms, X, device=det.device_)
                return out[:, 0], out[:, 1]

            lam = float(det.lambda1)
            r_tr, n_tr = split(task.X_train)
            s_tr = torch.as_tensor((1 - lam) * r_tr + lam * n_tr)
            size = int(det.batch_size)
            perm = torch.randperm(len(s_tr), generator=torch.Generator().manual_seed(0))
            regs = [minmax_normalize(s_tr[idx])[0] for idx in perm.split(size) if len(idx) == size]
            reg = torch.cat(regs).numpy()
            r_te, n_te = split(task.X_test)
            s_te = (1 - lam) * r_te + lam * n_te
            rows.append(
                {
                    "class": spec,
                    "variant": variant,
                    "batch_loss": float(reg.mean()),
                    "one_over_batch": 1.0 / size,
                    "share_below_0.1": float((reg < 0.1).mean()),
                    "ns_share_of_var": float(np.var(lam * n_te) / np.var(s_te)),
                    "auc_s": float(roc_auc_score(task.y_test, s_te)),
                    "auc_r": float(roc_auc_score(task.y_test, r_te)),
                    "auc_ns": float(roc_auc_score(task.y_test, n_te)),
                }
            )
            print(rows[-1], flush=True)
    path = out_dir / DIAGNOSIS
    path.write_text(json.dumps({"command": command, "rows": rows}, indent=1) + "\n")
    return path


def diagnosis_lines(out_dir: Path) -> list[str]:
    path = out_dir / DIAGNOSIS
    if not path.is_file():
        return ["The loss diagnosis: not produced yet (`--diagnose dataset:class`).", ""]
    saved = json.loads(path.read_text())
    lines = [
        "## Diagnosis: what the faithful loss does to the score",
        "",
        f"Produced by `{saved['command']}`: each class's full model refitted (cpu preset, seed "
        "0, the stored cells' seeds) with both losses. On the normal training images, in "
        "training-size batches and eval mode: the batch loss mean_i Reg(S_i) (its floor is 1/B, "
        "one image at the batch maximum and all others at the minimum) and the share of images "
        "whose Reg(S_i) is below 0.1. On the test set: the share of S's variance that comes "
        "from the NS term, and the AUC of S, of r alone and of the NS output alone. A diagnosis, "
        "not a selection: nothing here sets a default.",
        "",
        "| class | loss | batch loss (1/B) | share Reg < 0.1 | NS share of var(S) | AUC S | "
        "AUC r | AUC NS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in saved["rows"]:
        lines.append(
            f"| {r['class']} | {r['variant']} | {r['batch_loss']:.4f} ({r['one_over_batch']:.4f})"
            f" | {r['share_below_0.1']:.2f} | {r['ns_share_of_var']:.2f} | "
            f"{100 * r['auc_s']:.2f} | {100 * r['auc_r']:.2f} | {100 * r['auc_ns']:.2f} |"
        )
    lines.append("")
    faithful, detached = DIAGNOSED
    by_class: dict[str, dict[str, dict]] = {}
    for r in saved["rows"]:
        by_class.setdefault(r["class"], {})[r["variant"]] = r
    for name, pair in by_class.items():
        if faithful not in pair or detached not in pair:
            continue
        f, d = pair[faithful], pair[detached]
        lines.append(
            f"- {name}: the faithful loss ends at {f['batch_loss']:.3f} per batch (floor "
            f"{f['one_over_batch']:.4f}; detached {d['batch_loss']:.3f}), with "
            f"{100 * f['share_below_0.1']:.0f} % of the normal training images in the bottom "
            f"tenth of their batch's range (detached {100 * d['share_below_0.1']:.0f} %); its "
            f"reconstruction error alone ranks the test set at {100 * f['auc_r']:.1f} AUC "
            f"against {100 * d['auc_r']:.1f} with the extremes detached."
        )
    return [*lines, ""]


# --------------------------------------------------------------------------- tables
def results_of(suite: Suite, frame: pd.DataFrame) -> pd.DataFrame:
    """Stored ok rows of the suite's cells, with the suite's label, class and preset columns."""
    rows = []
    ok = frame[frame["status"] == "ok"].set_index("cell_key")
    for cell in suite.cells():
        if cell.key not in ok.index:
            continue
        r = ok.loc[cell.key]
        normal = cell.protocol_params.get("normal_class", -1)
        rows.append(
            {
                "key": cell.key,
                "label": cell.name,
                "dataset": cell.dataset,
                "normal": int(normal),
                "seed": cell.seed,
                "preset": "cpu" if cell.params.get("budget") == "cpu" else "paper",
                "protocol": cell.protocol,
                "auc": 100.0 * float(r["auc_roc"]),
                "fit": float(r["fit_seconds"]),
            }
        )
    cols = ["key", "label", "dataset", "normal", "seed", "preset", "protocol", "auc", "fit"]
    return pd.DataFrame(rows, columns=cols)


def fmt(values: Sequence[float]) -> str:
    if len(values) == 0:
        return NOT_RUN
    arr = np.asarray(values, dtype=float)
    if arr.size == 1:
        return f"{arr[0]:.2f} (n=1)"
    return f"{arr.mean():.2f} ± {arr.std(ddof=1):.2f} (n={arr.size})"


def class_mean(df: pd.DataFrame, n_classes: int = 10) -> tuple[str, float | None]:
    """Mean over classes of the per-class seed means; only when every class has a result."""
    if df.empty:
        return NOT_RUN, None
    per_class = df.groupby("normal")["auc"].mean()
    seeds = sorted(df.groupby("normal")["seed"].nunique().unique().tolist())
    if len(per_class) < n_classes:
        return f"partial: {len(per_class)}/{n_classes} classes", None
    # mean ± std over seeds of the 10-class mean, where every class has the same seeds
    by_seed = df.groupby("seed").filter(lambda g: g["normal"].nunique() == n_classes)
    seed_means = by_seed.groupby("seed")["auc"].mean().tolist()
    text = fmt(seed_means) if seed_means else f"{per_class.mean():.2f}"
    n_seeds = "/".join(str(n) for n in seeds)
    return f"{text}, {n_seeds} seed(s) per class", float(per_class.mean())


def per_class_table(
    df: pd.DataFrame,
    names: list[str],
    paper: list[float] | None,
    paper_label: str,
    presets: Sequence[str] = ("cpu",),
) -> list[str]:
    """The paper's row (if any), then one row of ours per preset."""
    head = "| | " + " | ".join(names) + " | MEAN |"
    lines = [head, "|---" * (len(names) + 2) + "|"]
    if paper is not None:
        lines.append(f"| {paper_label} | " + " | ".join(f"{v:.2f}" for v in paper) + " |")
    for preset in presets:
        sub = df[df["preset"] == preset]
        cells = [fmt(sub[sub["normal"] == c]["auc"].tolist()) for c in range(len(names))]
        mean = class_mean(sub)[0]
        lines.append(f"| ours ({preset} preset) | " + " | ".join(cells) + f" | {mean} |")
    return lines


def fit_time_lines(df: pd.DataFrame) -> list[str]:
    """One row per (dataset, protocol, variant, preset); a cell shared by two suites counts once,
    under the label of the first suite that lists it."""
    df = df.drop_duplicates("key")
    if df.empty:
        return ["No fits stored yet."]
    lines = [
        "| dataset | protocol | variant | preset | classes | fits | fit seconds (mean, min-max) |"
    ]
    lines.append("|---|---|---|---|---|---|---|")
    for (dataset, protocol, label, preset), g in df.groupby(
        ["dataset", "protocol", "label", "preset"]
    ):
        lines.append(
            f"| {dataset} | {protocol} | {label} | {preset} | {g['normal'].nunique()} | {len(g)} | "
            f"{g['fit'].mean():.0f} ({g['fit'].min():.0f}-{g['fit'].max():.0f}) |"
        )
    return lines


def status_lines(images: pd.DataFrame) -> list[str]:
    """The issue's targets, each judged on every preset it allows (CIFAR-10: the cpu preset);
    a target holds when one allowed preset meets it with all ten classes run."""
    out = []
    for dataset, target in TARGETS.items():
        verdicts, met = [], False
        for preset in TARGET_PRESETS[dataset]:
            rows = images[(images["dataset"] == dataset) & (images["preset"] == preset)]
            text, value = class_mean(rows)
            if value is None:
                verdicts.append(f"{preset} preset not established ({text})")
                continue
            met = met or value / 100.0 >= target
            word = "meets it" if value / 100.0 >= target else "does not"
            verdicts.append(f"{preset} preset {word} ({text})")
        head = "holds" if met else "does NOT hold"
        out.append(
            f"- {dataset}: mean AUC over the ten classes >= {target}: {head}; "
            + "; ".join(verdicts)
            + "."
        )
    return out


def ladder_steps(labels: Sequence[str]) -> list[tuple[str, str, str]]:
    """(before, after, what) for the rungs AE only -> + Normalization -> + NS (and an option)."""
    steps = [
        (labels[0], labels[1], "the normalization in the loss"),
        (labels[1], labels[2], "the NS module"),
        (labels[0], labels[2], "the normalization and the NS module together"),
    ]
    if len(labels) > 3:
        steps.append((labels[2], labels[3], "detaching the batch extremes (option)"))
    return steps


def ablation_verdicts(ablation: pd.DataFrame, labels: list[str]) -> list[str]:
    """Does each module help here? Compared on the (class, seed) cells both rungs have run."""
    return paired_verdicts(ablation, ladder_steps(labels), ("mnist-images", "cifar10"))


def option_lines(images: pd.DataFrame, options: pd.DataFrame, suite: Suite) -> list[str]:
    """Each option of ``novnorm-options`` beside NovNorm (cpu) on the cells both have run."""
    base = images[images["preset"] == "cpu"]
    if base.empty:
        return []
    reference = base["label"].iloc[0]
    out = [
        "| option | dataset | option's ten-class mean | NovNorm (cpu), same cells |",
        "|---|---|---|---|",
    ]
    for label in suite.labels:
        for dataset in suite.datasets:
            mine = options[(options["label"] == label) & (options["dataset"] == dataset)]
            cells = mine.set_index(["normal", "seed"]).index
            shared = pd.MultiIndex.from_frame(base[["normal", "seed"]]).isin(cells)
            same = base[(base["dataset"].to_numpy() == dataset) & shared]
            out.append(f"| {label} | {dataset} | {class_mean(mine)[0]} | {class_mean(same)[0]} |")
    steps = [(reference, label, label) for label in suite.labels]
    return [
        *out,
        "",
        *paired_verdicts(pd.concat([base, options]), steps, tuple(suite.datasets)),
    ]


def multiclass_verdicts(multi: pd.DataFrame, labels: Sequence[str]) -> list[str]:
    """Table 5's ladder, paired by seed, beside the paper's change for the same step."""
    paper = list(PAPER_MULTICLASS.values())
    changes = [paper[1] - paper[0], paper[2] - paper[1], paper[2] - paper[0]]
    return paired_verdicts(
        multi, ladder_steps(labels[:3]), ("cifar10",), per_class=False, paper_changes=changes
    )


def paired_verdicts(
    frame: pd.DataFrame,
    steps: Sequence[tuple[str, str, str]],
    datasets: Sequence[str],
    per_class: bool = True,
    paper_changes: Sequence[float] | None = None,
) -> list[str]:
    """For each (before label, after label, what) step: the mean AUC change on the (class, seed)
    cells both labels have run, per dataset (``per_class=False``: one cell per seed), beside the
    paper's change for the step when ``paper_changes`` gives it."""
    out = []
    references = paper_changes if paper_changes is not None else [None] * len(steps)
    for dataset in datasets:
        sub = frame[frame["dataset"] == dataset]
        for (before, after, what), reference in zip(steps, references, strict=True):
            a = sub[sub["label"] == before].set_index(["normal", "seed"])["auc"]
            b = sub[sub["label"] == after].set_index(["normal", "seed"])["auc"]
            common = a.index.intersection(b.index)
            if len(common) == 0:
                out.append(f"- {dataset}, {what}: not run yet.")
                continue
            change = b[common] - a[common]
            delta = float(change.mean())
            verdict = (
                "helps" if delta > 0.5 else "hurts" if delta < -0.5 else "makes no clear difference"
            )
            per_seed = change.groupby(level="seed").mean()
            seeds = (
                "; per seed " + ", ".join(f"{v:+.2f}" for v in per_seed)
                if len(per_seed) > 1
                else ""
            )
            if per_class:
                n_classes = len({c for c, _ in common})
                scope = "" if n_classes == 10 else " (preliminary: fewer than ten classes)"
                basis = (
                    f"on average over {len(common)} (class, seed) cells, {n_classes} "
                    f"class(es){scope}"
                )
            else:
                scope = "" if len(common) >= 3 else " (preliminary: fewer than three seeds)"
                basis = (
                    f"on seed {common[0][1]} only{scope}"
                    if len(common) == 1
                    else f"on average over {len(common)} seeds{scope}"
                )
            paper = "" if reference is None else f" (paper: {reference:+.2f})"
            out.append(
                f"- {dataset}, {what}: {verdict} here, {delta:+.2f} AUC points "
                f"{basis}{seeds}{paper}."
            )
    return out


def gap_lines(images: pd.DataFrame, ablation: pd.DataFrame, labels: list[str]) -> list[str]:
    """Where the distance to the paper comes from, read off the stored ladder (no new numbers)."""

    def mean_of(df: pd.DataFrame) -> float | None:
        return class_mean(df)[1]

    def rung(label: str, rows: pd.DataFrame) -> float | None:
        return mean_of(rows[rows["label"] == label])

    out = []
    for dataset, (paper_ae, paper_full) in (
        ("mnist-images", (PAPER_ABLATION["AE only"][0], PAPER_ABLATION["+ NS"][0])),
        ("cifar10", (PAPER_ABLATION["AE only"][1], PAPER_ABLATION["+ NS"][1])),
    ):
        ae_rows = ablation[(ablation["label"] == labels[0]) & (ablation["dataset"] == dataset)]
        seeds = set(ae_rows["seed"])
        rows = ablation[(ablation["dataset"] == dataset) & ablation["seed"].isin(seeds)]
        full_rows = images[(images["dataset"] == dataset) & images["seed"].isin(seeds)]
        full = mean_of(full_rows)
        ae, detached = mean_of(ae_rows), rung(labels[-1], rows)
        if full is None or ae is None:
            out.append(
                f"- {dataset}: the ladder is incomplete (ten classes of the full model and of "
                "the AE-only rung are needed); no reading yet."
            )
            continue
        on = f"seed(s) {', '.join(str(s) for s in sorted(seeds))}"
        text = (
            f"- {dataset} ({on}, where every rung ran): the plain autoencoder (cpu preset) "
            f"reaches {ae:.2f} against the paper's {paper_ae:.2f} for the same rung "
            f"({ae - paper_ae:+.2f}, before any NovNorm module: the cpu preset's shorter "
            "training and the architecture details the paper leaves open); the full model "
            f"then scores {full:.2f} (paper {paper_full:.2f}), "
            f"{full - ae:+.2f} against our own autoencoder"
        )
        if detached is not None:
            text += f"; with the batch extremes detached the full model scores {detached:.2f}"
        out.append(text + ".")
    out += [
        "- Why the faithful normalization can cost AUC here (the spec's section 2.6; measured "
        "in the diagnosis below): with gradients through the batch min and max, the batch loss "
        "mean_i (S_i - S_min) / (S_max - S_min) is unchanged by shifting or scaling every S_i, "
        "and it is smallest (1/B) when one image per batch sits at the maximum and all others "
        "at the minimum. It rewards squeezing most normal training images together below a few "
        "outliers rather than low scores on all of them; detaching the extremes turns the loss "
        "back into a rescaled mean of S.",
        "- CIFAR-10: the cpu preset halves the encoder widths (16-32-64) and trains 30 epochs "
        "instead of 100; our CIFAR-10 copy is JPEG-compressed (quality 75), which changes pixel "
        "statistics slightly; the paper's CIFAR-10 number also comes from a model whose NS MLP "
        "and optimiser settings are not given (spec section 9 D-E).",
    ]
    return out


def figure_lines(out_dir: Path) -> list[str]:
    sidecar = out_dir / (FIGURE + ".txt")
    if not sidecar.is_file():
        return ["The figure of the most and least anomalous test images: not produced yet.", ""]
    command, specs = sidecar.read_text().splitlines()[:2]
    return [
        "## Most and least anomalous test images",
        "",
        f"Classes {specs}; produced by `{command}`.",
        "",
        f"![NovNorm extremes]({FIGURE})",
        "",
    ]


def render(
    frame: pd.DataFrame,
    suites: dict[str, Suite],
    command: str,
    out_dir: Path,
    commands: Sequence[str] = (),
) -> str:
    images = pd.concat(
        [results_of(suites[name], frame) for name in ("novnorm-images", "novnorm-images-paper")]
    )
    ablation = results_of(suites["novnorm-ablation"], frame)
    multi = results_of(suites["novnorm-multiclass"], frame)
    options = results_of(suites["novnorm-options"], frame)
    pick = {d: images[images["dataset"] == d] for d in TARGETS}
    labels = (suites["novnorm-images"].labels[0], suites["novnorm-images-paper"].labels[0])
    out = [
        "# NovNorm (Wu et al., CVIU 2021): results",
        "",
        f"Generated by `{command}` from the results store; do not edit by hand. AUC-ROC in %, "
        "anomaly = positive class. Ours: mean ± sample std over seeds (n = seeds run) per class; "
        'the MEAN column is the ten-class mean (± std over seeds). "not run yet" marks cells '
        "absent from the store. Numbers with n=1 are single-seed probes / preliminary values, "
        "not the 3-seed results the issue asks for. Paper numbers are the paper's own (Tables 1-5), copied as targets; "
        "the paper gives no seeds or std. Every number of ours names the preset that produced it: "
        "`cpu` = 30 epochs, lr x0.1 every 10 epochs, CIFAR widths 16-32-64 (the paper preset is "
        "100 epochs, x0.1 every 30, widths 32-64-128).",
        "",
        "Suites: `novnorm-images` (Tables 1-3, cpu preset), `novnorm-images-paper` (the same "
        "cells with the paper preset), `novnorm-ablation` (Table 4), `novnorm-multiclass` "
        "(Table 5), `novnorm-options` (options that are not the paper's method). Protocol: one "
        "class normal, trained on its official-train images, tested on the whole official test "
        "set (10,000 images).",
        "",
        "## Issue 8 acceptance (from the stored runs)",
        "",
        *status_lines(images),
        "",
        "## Table 1: MNIST, each digit normal",
        "",
        *per_class_table(
            pick["mnist-images"], MNIST, PAPER_MNIST, "paper (Ours row)", ("cpu", "paper")
        ),
        "",
        "## Table 2: CIFAR-10, each class normal",
        "",
        *per_class_table(pick["cifar10"], CIFAR, PAPER_CIFAR, "paper (Ours row)", ("cpu", "paper")),
        "",
        "## Table 3: Fashion-MNIST (the paper reports only the mean)",
        "",
        f"Paper mAUC: {PAPER_FMNIST_MEAN}.",
        "",
        *per_class_table(pick["fashion-mnist"], FMNIST, None, "", ("cpu", "paper")),
        "",
        "## Table 4: ablation ladder (mean over the ten classes)",
        "",
        "| model | MNIST paper | MNIST ours | CIFAR-10 paper | CIFAR-10 ours |",
        "|---|---|---|---|---|",
    ]
    paper_rungs = list(PAPER_ABLATION.values())
    for i, label in enumerate(suites["novnorm-ablation"].labels):
        m = ablation[(ablation["label"] == label) & (ablation["dataset"] == "mnist-images")]
        c = ablation[(ablation["label"] == label) & (ablation["dataset"] == "cifar10")]
        pm, pc = paper_rungs[i] if i < len(paper_rungs) else ("-", "-")
        out.append(f"| {label} | {pm} | {class_mean(m)[0]} | {pc} | {class_mean(c)[0]} |")
    out += [
        "",
        "Does each module help here (ours; +-0.5 points counts as no clear difference)?",
        "",
    ]
    out += ablation_verdicts(ablation, suites["novnorm-ablation"].labels)
    out += [
        "",
        "Where the distance to the paper comes from (read off the tables above):",
        "",
        *gap_lines(images[images["preset"] == "cpu"], ablation, suites["novnorm-ablation"].labels),
        *paired_verdicts(
            images,
            [(*labels, "the paper preset (100 epochs) instead of the cpu preset (30)")],
            list(TARGETS),
        ),
    ]
    out += ["", "Per class (ours):", ""]
    for label in suites["novnorm-ablation"].labels:
        for dataset, names in (("mnist-images", MNIST), ("cifar10", CIFAR)):
            sub = ablation[(ablation["label"] == label) & (ablation["dataset"] == dataset)]
            out += [f"{label}, {dataset}:", "", *per_class_table(sub, names, None, ""), ""]
    out += [
        "## Table 5: multiclass, CIFAR-10 bird + cat + dog normal",
        "",
        "| model | paper | ours |",
        "|---|---|---|",
    ]
    for rung, label in zip(PAPER_MULTICLASS, suites["novnorm-multiclass"].labels, strict=True):
        sub = multi[multi["label"] == label]
        out.append(f"| {label} | {PAPER_MULTICLASS[rung]} | {fmt(sub['auc'].tolist())} |")
    out += [
        "",
        "Does each module help in the multiclass setting (ours, paired by seed; +-0.5 points "
        "counts as no clear difference)?",
        "",
        *multiclass_verdicts(multi, suites["novnorm-multiclass"].labels),
        "",
        "## Options (not the paper's method)",
        "",
        "Suite `novnorm-options`: the same one-class cells as `novnorm-images` (cpu preset) with "
        "one choice the paper leaves open changed: Deep SVDD's preprocessing (per-image global "
        "contrast normalisation with the L1 scale, then min-max with the normal training images' "
        "extremes) instead of the pixels as given. A measured result beside the faithful "
        "column; it sets no default.",
        "",
        *option_lines(images, options, suites["novnorm-options"]),
        "",
        "## Fit times (seconds per class; 2 shared CPU cores, 1 torch thread, `nice`)",
        "",
        *fit_time_lines(pd.concat([images, ablation, multi, options])),
        "",
        "## Choices the paper leaves open (see the NovNorm docstring and the spec, section 9)",
        "",
        "- Loss: mean over the batch of the min-max normalised S_i (Eq. 6 applied to Eq. 7 inside "
        "the loss), minus lambda2 times the L0 count of the NS parameters; the count has no "
        "gradient, so it only offsets the loss value. Gradients flow through the batch min and max "
        "by default (`detach_minmax=False`, the spec's recommendation); the detached variant is "
        "an option, reported as its own row in Table 4.",
        "- r_i is the per-pixel mean squared error in training and at test time; with [0, 1] "
        "pixels it is about 1e-2 while the NS output lies in [0, 1], so either term can carry S "
        "depending on how much the NS output varies after training (measured in the diagnosis).",
        "- S_min / S_max for test time: means of the per-batch extremes over one eval-mode pass "
        "of the training data; a fixed increasing affine map, so it cannot change any AUC here.",
        "- Architecture: Deep SVDD's LeNet widths (8-4 grey; 32-64-128 colour, halved by the cpu "
        "preset), BatchNorm without affine, no biases, max pooling, nearest upsampling, leaky "
        "slope 0.01, a dense layer mirroring the encoder's at the decoder's input; NS hidden "
        "widths 16 (grey) and 32-16 (colour). Adam lr 1e-3, batch 128 (last partial batch "
        "dropped), no weight decay, pixels in [0, 1], no augmentation.",
        "",
        *figure_lines(out_dir),
        *diagnosis_lines(out_dir),
        "## Commands that filled the store",
        "",
        *[f"- `{c}`" for c in commands],
        "",
        "## Not produced yet",
        "",
        '- Every cell marked "not run yet" above.',
        "",
    ]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("runs/novnorm"))
    parser.add_argument("--out", type=Path, default=Path("docs/results/novnorm.md"))
    parser.add_argument("--run", action="append", choices=SUITES, default=[])
    parser.add_argument("--datasets", nargs="*", default=None)
    parser.add_argument("--classes", nargs="*", type=int, default=None)
    parser.add_argument("--seeds", type=int, default=None, help="run only seeds 0..N-1")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for --run")
    parser.add_argument(
        "--labels", nargs="*", default=None, help="run only the entrants (ladder rungs) so labelled"
    )
    parser.add_argument(
        "--diagnose", nargs="*", default=None, help="dataset:class entries to diagnose (refits)"
    )
    parser.add_argument(
        "--figure", nargs="*", default=None, help="dataset:class entries to plot (refits them)"
    )
    args = parser.parse_args(argv)
    from anomalab.data import resolve_data_root

    refits = args.run or args.figure or args.diagnose
    root = str(resolve_data_root(args.data_root)) if refits else None
    suites = {name: load_suite(name) for name in SUITES}
    store = ResultStore(args.store / STORE_FILE)
    command = "python benchmarks/novnorm_report.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)
    )
    if args.run:
        with (args.store / COMMANDS).open("a") as fh:
            fh.write(command.strip() + "\n")
    for name in args.run:
        run(suites[name], store, args, root)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.figure:
        print(f"wrote {figure(args.figure, args.out.parent, root, command.strip())}")
    if args.diagnose:
        print(f"wrote {diagnose(args.diagnose, args.out.parent, root, command.strip())}")
    log = args.store / COMMANDS
    commands = log.read_text().splitlines() if log.is_file() else []
    args.out.write_text(render(store.frame(), suites, command.strip(), args.out.parent, commands))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
