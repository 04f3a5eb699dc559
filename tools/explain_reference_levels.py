"""How many training quantiles occlusion should set a feature to (``anomalab.explain``'s
``REFERENCE_LEVELS``): the rate at which a feature shifted by 6 training standard deviations comes
first, for the detectors that explain by occlusion, on the explain test's rows
(``tests/unit/test_explain.py``: 1,000 normal training rows, 50 held-out normal rows, each with
one feature shifted), per dataset and K. Development datasets choose K; cardio, the test's
dataset, is the confirmation. The last column is the rate by integrated gradients from the median
row, for the torch detectors that could use them instead (why PLAD and DAGMM do not).

    PYTHONPATH=src ANOMALAB_DATA=../shared/datasets python tools/explain_reference_levels.py
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEVELOPMENT = ("thyroid", "pima", "satellite", "pendigits")
CONFIRMATION = ("cardio",)
DETECTORS = ("PLAD", "DAGMM", "IForest", "LOF", "OCSVM")
LEVELS = (1, 8, 16, 32)


def _rate(contributions: np.ndarray, feature: np.ndarray) -> float:
    """How often the shifted feature has the largest contribution."""
    return float(np.mean(contributions.argmax(axis=1) == feature))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=[*DEVELOPMENT, *CONFIRMATION])
    parser.add_argument("--detectors", nargs="+", default=list(DETECTORS))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "tests" / "unit"))
    import test_explain as fixture  # the test's rows and fits, declared once

    from anomalab.explain import TorchExplainable, feature_quantiles, occlusion

    root = os.environ.get("ANOMALAB_DATA", str(ROOT.parent / "shared" / "datasets"))
    head = " | ".join(f"K = {k}" for k in LEVELS)
    print(f"| dataset | detector | {head} | integrated gradients |")
    print("|---|---|" + "---|" * (len(LEVELS) + 1))
    development: list[list[float]] = []
    for dataset in args.datasets:
        fixture.DATASET = dataset
        fixture._data.cache_clear()
        fixture._fitted.cache_clear()
        data = fixture._data(root)
        for name in args.detectors:
            detector = fixture._fitted(name, root)
            X = detector._check_X(data["shifted"], fitting=False)
            rates = []
            for k in LEVELS:
                references = feature_quantiles(data["train"], k).astype(X.dtype)
                contributions = occlusion(detector._score, X, references)
                rates.append(_rate(contributions, data["feature"]))
            gradients = "n/a"
            if isinstance(detector, TorchExplainable):
                detector.explain_method = "integrated_gradients"  # this instance only
                gradients = f"{_rate(detector.explain(data['shifted']), data['feature']):.2f}"
            print(
                f"| {dataset} | {name} | "
                + " | ".join(f"{r:.2f}" for r in rates)
                + f" | {gradients} |"
            )
            if dataset in DEVELOPMENT:
                development.append(rates)
    if development:
        means = np.mean(development, axis=0)
        print(
            f"| development mean ({len(development)} rows) | | "
            + " | ".join(f"{m:.3f}" for m in means)
            + " | |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
