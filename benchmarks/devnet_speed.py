"""Speed of our DevNet vs DeepOD's DevNet on the same cells, and a flat-memory 5M-row scoring run.

For each dataset (celeba, donors) the cell is adbench-semi's: ``semi_supervised`` with 5 % of the
training anomalies labeled, 70/30 split, min-max, stratified cap at 10,000 rows, seed 0. Both
detectors run with their defaults in this one process (torch threads as set by the environment).
Scoring throughput = rows / second of ``decision_function`` over the test rows tiled to
``--score-rows`` rows. The memory run streams ``--stream-rows`` rows (tiled real test rows) through
our DevNet in chunks and records the resident set size after each chunk.

    PYTHONPATH=src python benchmarks/devnet_speed.py

writes ``src/anomalab/reproductions/specs/devnet/speed.json``, which section 6 of
``docs/results/devnet.md`` reads (``anomalab reproduce devnet`` renders it). When committing the
first one, add ``"specs/*/*.json"`` to the package data of ``anomalab.reproductions`` in
pyproject.toml (tests/unit/test_package_data.py fails until then), so that the wheel ships it.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from anomalab.bench.runner import make_entrant
from anomalab.data import make_task

#: Where the report reads the result (package data beside the DevNet spec).
SPEED_JSON = (
    Path(__file__).resolve().parents[1] / "src/anomalab/reproductions/specs/devnet/speed.json"
)
CELL = {"ratio": 0.05, "test_size": 0.3, "scale": "minmax", "max_rows": 10000}


def rss_mb() -> float:
    """Current resident set size in MiB (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def tiled(X: np.ndarray, n: int) -> np.ndarray:
    reps = -(-n // len(X))
    return np.tile(X, (reps, 1))[:n]


def throughput(det: Any, X: np.ndarray) -> float:
    det.decision_function(X[:1000])  # warm-up
    start = time.perf_counter()
    det.decision_function(X)
    return len(X) / (time.perf_counter() - start)


def compare(dataset: str, score_rows: int, peer_score_rows: int, seed: int) -> dict[str, Any]:
    task = make_task(dataset, "semi_supervised", seed, **CELL)
    out: dict[str, Any] = {"dataset": dataset, "n_train": len(task.y_train), "seed": seed}
    for name, rows in (("DevNet", score_rows), ("DeepOD-DevNet", peer_score_rows)):
        det = make_entrant(name, {}, seed)
        start, cpu = time.perf_counter(), time.process_time()
        det.fit(task.X_train, task.y_train)
        fit, fit_cpu = time.perf_counter() - start, time.process_time() - cpu
        auc = roc_auc_score(task.y_test, det.decision_function(task.X_test))
        rate = throughput(det, tiled(task.X_test, rows))
        out[name] = {
            "fit_seconds": fit,
            "fit_cpu_seconds": fit_cpu,
            "auc_roc": auc,
            "rows_per_second": rate,
            "rows": rows,
        }
        print(f"{dataset:8s} {name:14s} fit {fit:7.2f}s  AUC {auc:.3f}  {rate:12,.0f} rows/s")
    out["fit_time_ratio"] = out["DeepOD-DevNet"]["fit_seconds"] / out["DevNet"]["fit_seconds"]
    out["fit_cpu_ratio"] = (
        out["DeepOD-DevNet"]["fit_cpu_seconds"] / out["DevNet"]["fit_cpu_seconds"]
    )
    return out


def stream(dataset: str, total: int, chunk: int, seed: int) -> dict[str, Any]:
    """Score ``total`` rows (tiled test rows) in chunks; RSS after each chunk."""
    task = make_task(dataset, "semi_supervised", seed, **CELL)
    det = make_entrant("DevNet", {}, seed).fit(task.X_train, task.y_train)
    block = tiled(task.X_test, chunk)
    rss, done, checksum = [], 0, 0.0
    start = time.perf_counter()
    while done < total:
        scores = det.decision_function(block)
        checksum += float(scores.sum())
        done += len(block)
        rss.append(rss_mb())
    seconds = time.perf_counter() - start
    res = {
        "dataset": dataset,
        "rows": done,
        "chunk_rows": chunk,
        "seconds": seconds,
        "rows_per_second": done / seconds,
        "rss_mb_after_chunk": rss,
        "rss_growth_mb": rss[-1] - rss[0],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(
        f"streamed {done:,} rows in {seconds:.1f}s ({done / seconds:,.0f} rows/s); RSS after "
        f"first chunk {rss[0]:.0f} MiB, after last {rss[-1]:.0f} MiB"
    )
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="celeba,donors")
    parser.add_argument("--score-rows", type=int, default=1_000_000)
    parser.add_argument("--peer-score-rows", type=int, default=200_000)
    parser.add_argument("--stream-rows", type=int, default=5_000_000)
    parser.add_argument("--chunk-rows", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=SPEED_JSON)
    args = parser.parse_args()
    result = {
        "cells": [
            compare(d, args.score_rows, args.peer_score_rows, args.seed)
            for d in args.datasets.split(",")
        ],
        "stream": stream(args.datasets.split(",")[0], args.stream_rows, args.chunk_rows, args.seed),
        "torch_threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "versions": {p: metadata.version(p) for p in ("torch", "deepod", "numpy")},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
