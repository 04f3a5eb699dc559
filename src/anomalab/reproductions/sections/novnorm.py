"""NovNorm's analyses that its spec cannot declare, refitting seed-0 cells only when a part's cells
are run (``--from-archive`` reads their records in ``specs/novnorm/``): the most and least anomalous test
images, and what the faithful loss (Eq. 6 inside the loss) does to S = (1 - lambda1) r + lambda1 n
(Eq. 7)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as Plot

from anomalab.bench import atomic
from anomalab.bench.document import Figure, Section
from anomalab.reproductions.context import Context
from anomalab.reproductions.figures import png, probe_file, refit
from anomalab.reproductions.registry import section


def _refit(ctx: Context, part: str, entrant: str, spec: str, updates: dict | None = None) -> Any:
    """(model, task): ``entrant``'s seed-0 cell of ``part`` on ``dataset:class`` refitted, its
    stored parameters changed by ``updates``."""
    dataset, normal = spec.split(":")
    rows = ctx.frame(part)
    rows = rows[
        rows["protocol_params"].map(lambda p: json.loads(p).get("normal_class")) == int(normal)
    ]
    params = rows["params"].map(lambda p: json.dumps({**json.loads(p), **(updates or {})}))
    return refit(replace(ctx, frames={part: rows.assign(params=params)}), part, entrant, 0, dataset)


def _refits(ctx: Context, part: str, classes: list[str]) -> bool:
    """Whether this rendering refits: cells run (not restored) and the part's seed-0 cell of
    every ``dataset:class`` stored and finished."""
    if ctx.from_archive or (rows := ctx.frame(part)) is None:
        return False
    ok = rows[(rows["status"] == "ok") & (rows["seed"] == 0)]
    normal = ok["protocol_params"].map(lambda p: json.loads(p).get("normal_class"))
    return set(classes) <= {f"{d}:{c}" for d, c in zip(ok["dataset"], normal, strict=True)}


def _save(ctx: Context, path: Path, part: str, text: str) -> None:
    """Write ``text`` (``{command}``: the command that re-makes it) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    command = f"anomalab reproduce {ctx.spec.paper} --parts {part}"
    atomic.write_text(path, text.replace("{command}", command))


def _draw(ctx: Context, part: str, entrant: str, classes: list[str]) -> bytes:
    fig = Plot(figsize=(16, 1.25 * len(classes)))
    axes = fig.subplots(len(classes), 16, squeeze=False)
    for row, spec in enumerate(classes):
        model, task = _refit(ctx, part, entrant, spec)
        order = np.argsort(model.decision_function(task.X_test))
        for ax, idx in zip(axes[row], [*order[:8], *order[-8:]], strict=True):
            img = task.X_test[idx].transpose(1, 2, 0)
            ax.imshow(img.squeeze(), cmap="gray" if img.shape[2] == 1 else None, vmin=0, vmax=1)
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_title("anomaly" if task.y_test[idx] else "normal", fontsize=6)
        axes[row, 0].set_ylabel(spec, fontsize=7)
    fig.suptitle("8 least (left) and 8 most (right) anomalous test images (seed-0 cells)")
    return png(fig, dpi=110)


@section("novnorm.extremes")
def extremes(
    ctx: Context, out: Section, part: str, entrant: str, classes: list[str], name: str
) -> None:
    """The 8 least and 8 most anomalous test images of each ``dataset:class`` by ``part``'s
    seed-0 cell, refitted; ``specs/novnorm/<name>.txt`` records the command and the classes."""
    record = probe_file(ctx.spec.paper, f"{name}.txt")
    figure = Figure(name, "most and least anomalous test images", None)
    if _refits(ctx, part, classes):
        figure.png = _draw(ctx, part, entrant, classes)
        _save(ctx, record, part, "{command}\n" + ", ".join(classes) + "\n")
    if not record.is_file():
        out.text(f"Not drawn yet: running part `{part}` draws it ({', '.join(classes)}).")
        return
    command, drawn = record.read_text().splitlines()[:2]
    ctx.text(out, "extremes", source=part, classes=drawn, command=command)
    out.figure(figure)


def _probe(ctx: Context, part: str, entrant: str, spec: str, label: str, updates: dict) -> dict:
    """One class's seed-0 cell refitted with ``updates``: on the normal training images in
    training-size batches (eval mode), the batch loss mean_i Reg(S_i) and the share below 0.1;
    on the test set, NS's share of var(S) and the AUC of S, r and the NS output."""
    import torch
    from sklearn.metrics import roc_auc_score

    from anomalab.detectors.novnorm import minmax_normalize, reconstruction_error
    from anomalab.nn.training import predict_in_chunks

    det, task = _refit(ctx, part, entrant, spec, updates)
    det.model_.eval()

    def terms(batch: torch.Tensor) -> torch.Tensor:
        x_hat, ns = det.model_(batch)
        return torch.stack([reconstruction_error(batch, x_hat, det.recon_reduction), ns], dim=1)

    def split(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.no_grad():
            rn = predict_in_chunks(terms, det._transform(det._check_X(X, fitting=False)),
                                   device=det.device_)  # fmt: skip
        return rn[:, 0], rn[:, 1]

    lam, size = float(det.lambda1), int(det.batch_size)
    r_tr, n_tr = split(task.X_train)
    s_tr = torch.as_tensor((1 - lam) * r_tr + lam * n_tr)
    perm = torch.randperm(len(s_tr), generator=torch.Generator().manual_seed(0))
    reg = torch.cat([minmax_normalize(s_tr[i])[0] for i in perm.split(size) if len(i) == size])
    r_te, n_te = split(task.X_test)
    s_te = (1 - lam) * r_te + lam * n_te
    aucs = {f"auc_{k}": float(roc_auc_score(task.y_test, v)) for k, v in
            (("s", s_te), ("r", r_te), ("ns", n_te))}  # fmt: skip
    return {"class": spec, "variant": label, "batch_loss": float(reg.mean()),
            "one_over_batch": 1.0 / size, "share_below_0.1": float((reg < 0.1).float().mean()),
            "ns_share_of_var": float(np.var(lam * n_te) / np.var(s_te)), **aucs}  # fmt: skip


@section("novnorm.diagnosis")
def diagnosis(
    ctx: Context, out: Section, part: str, entrant: str, classes: list[str],
    variants: dict[str, dict], file: str,
) -> None:  # fmt: skip
    """Each loss of ``variants`` (label -> parameters changed from ``part``'s seed-0 cell; the
    first two compared) on each ``dataset:class``, read from ``specs/novnorm/<file>``, which is
    re-made when the part's cells are run. A diagnosis, not a selection."""
    path = probe_file(ctx.spec.paper, file)
    if _refits(ctx, part, classes):
        rows = [_probe(ctx, part, entrant, c, v, u) for c in classes for v, u in variants.items()]
        _save(ctx, path, part, json.dumps({"command": "{command}", "rows": rows}, indent=1) + "\n")
    if not path.is_file():
        out.text(f"Not produced yet: running part `{part}` makes it ({', '.join(classes)}).")
        return
    saved = json.loads(path.read_text())
    ctx.text(out, "diagnosis", command=saved["command"])
    table = [
        [r["class"], r["variant"], f"{r['batch_loss']:.4f} ({r['one_over_batch']:.4f})",
         f"{r['share_below_0.1']:.2f}", f"{r['ns_share_of_var']:.2f}",
         *(f"{100 * r[k]:.2f}" for k in ("auc_s", "auc_r", "auc_ns"))]
        for r in saved["rows"]
    ]  # fmt: skip
    columns = ["class", "loss", "batch loss (1/B)", "share Reg < 0.1", "NS share of var(S)"]
    columns += ["AUC S", "AUC r", "AUC NS"]
    out.table(pd.DataFrame(table, columns=columns), index=False, align=["left"] * 2 + ["right"] * 6)
    pairs = {(r["class"], r["variant"]): r for r in saved["rows"]}
    lines = []
    for spec in dict.fromkeys(r["class"] for r in saved["rows"]):
        f, d = (pairs.get((spec, v)) for v in list(variants)[:2])
        if f and d:
            lines.append(
                f"- {spec}: the faithful loss ends at {f['batch_loss']:.3f} per batch (floor "
                f"{f['one_over_batch']:.4f}; detached {d['batch_loss']:.3f}), with "
                f"{100 * f['share_below_0.1']:.0f} % of the normal training images in the bottom "
                f"tenth of their batch's range (detached {100 * d['share_below_0.1']:.0f} %); its "
                f"reconstruction error alone ranks the test set at {100 * f['auc_r']:.1f} AUC "
                f"against {100 * d['auc_r']:.1f} with the extremes detached."
            )
    if lines:
        out.text("\n".join(lines))
