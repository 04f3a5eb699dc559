"""The evidence table: how each detector did on each benchmark dataset, shipped with the package.

Two CSV files under ``anomalab/selection/evidence/``, rebuilt from the archived benchmark cells by
``anomalab selection evidence`` (:mod:`anomalab.bench.evidence`):

- ``datasets.csv``: one row per dataset, its training rows and :data:`META_FEATURES`;
- ``results.csv``: one row per (dataset, detector, protocol): mean and std over seeds of AUC-ROC
  and AUC-PR, and the median fit time. The ``unsupervised`` rows rank detectors; rows of other
  protocols (DevNet's semi-supervised cells) only give fit times.

:meth:`Evidence.nearest` and :meth:`Evidence.ranking` are the unlabeled selection's two steps;
:meth:`Evidence.expected_fit_seconds` is its budget's.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from anomalab.selection.meta import META_FEATURES

RANKING_PROTOCOL = "unsupervised"
DATASETS_FILE = "datasets.csv"
RESULTS_FILE = "results.csv"


@dataclass(frozen=True)
class Evidence:
    """The evidence tables (``datasets`` indexed by dataset name; ``results`` long form)."""

    datasets: pd.DataFrame
    results: pd.DataFrame

    def without(self, dataset: str) -> Evidence:
        """The evidence with nothing from ``dataset`` (leave-one-dataset-out)."""
        return Evidence(
            self.datasets.drop(index=dataset, errors="ignore"),
            self.results[self.results["dataset"] != dataset],
        )

    @property
    def detectors(self) -> list[str]:
        """Detectors ranked on every dataset (the unlabeled selection's candidates)."""
        ranked = self.results[self.results["protocol"] == RANKING_PROTOCOL]
        counts = ranked.groupby("detector")["dataset"].nunique()
        return sorted(counts.index[counts == len(self.datasets)])

    def nearest(self, meta: dict[str, float], k: int) -> pd.Series:
        """The ``k`` datasets closest to ``meta`` (Euclidean, each meta-feature standardised over
        the evidence's datasets): distance by dataset name, nearest first."""
        table = self.datasets.loc[:, list(META_FEATURES)].astype(float)
        center, spread = table.mean(), table.std(ddof=0).replace(0.0, 1.0)
        target = (pd.Series(meta)[list(META_FEATURES)].astype(float) - center) / spread
        distance = np.sqrt((((table - center) / spread - target) ** 2).sum(axis=1))
        return distance.sort_values(kind="stable").iloc[:k]

    def ranking(self, datasets: list[str], candidates: list[str]) -> pd.DataFrame:
        """Per-dataset AUC-ROC of ``candidates`` on ``datasets`` (rows: detectors, columns:
        datasets), best mean first."""
        ranked = self.results[
            (self.results["protocol"] == RANKING_PROTOCOL)
            & self.results["dataset"].isin(datasets)
            & self.results["detector"].isin(candidates)
        ]
        table = ranked.pivot(index="detector", columns="dataset", values="auc_roc")
        table = table.reindex(columns=datasets)
        return table.loc[table.mean(axis=1).sort_values(ascending=False, kind="stable").index]

    def _power_law(self, detector: str) -> tuple[np.ndarray, float] | None:
        """Coefficients (a, b, c) of log t = a + b log n + c log d, least squares over the
        evidence's median fit times t against training rows n and features d, and the log of the
        largest timed n; None if ``detector`` was never timed."""
        rows = self.results[
            (self.results["detector"] == detector) & (self.results["fit_seconds"] > 0)
        ]
        rows = rows[rows["dataset"].isin(self.datasets.index)]
        if rows.empty:
            return None
        log_n = np.log(rows["n_train"].clip(lower=1).to_numpy(dtype=float))
        log_d = np.log(10.0) * self.datasets.loc[rows["dataset"], "log10_features"].to_numpy(float)
        log_t = np.log(rows["fit_seconds"].to_numpy(dtype=float))
        design = np.column_stack([np.ones_like(log_n), log_n, log_d])
        if len(rows) < 3 or np.linalg.matrix_rank(design) < 3:
            coef = np.array([float(np.mean(log_t - log_n - log_d)), 1.0, 1.0])
        else:
            coef = np.linalg.lstsq(design, log_t, rcond=None)[0]
        return coef, float(log_n.max())

    def scaling_exponent(self, detector: str) -> float:
        """How fit time grows with rows past the evidence: the fitted exponent b, clipped to
        [1, 2] (1 when the evidence never timed ``detector``)."""
        law = self._power_law(detector)
        return 1.0 if law is None else min(max(float(law[0][1]), 1.0), 2.0)

    def expected_fit_seconds(self, detector: str, n_rows: int, n_features: int = 1) -> float | None:
        """About how long fitting ``detector`` on ``n_rows`` x ``n_features`` takes (None when
        the evidence never timed it): the power law of :meth:`_power_law`, its feature exponent
        clipped to [0, 1], extended past the largest timed dataset's rows with
        :meth:`scaling_exponent` (no detector here fits in sublinear time for long)."""
        law = self._power_law(detector)
        if law is None:
            return None
        (a, b, c), largest = law
        log_n = np.log(max(int(n_rows), 1))
        log_t = a + b * min(log_n, largest) + min(max(c, 0.0), 1.0) * np.log(max(n_features, 1))
        if log_n > largest:
            log_t += self.scaling_exponent(detector) * (log_n - largest)
        return float(np.exp(log_t))


def load_evidence() -> Evidence:
    """The evidence shipped with the package."""
    folder = resources.files("anomalab.selection") / "evidence"
    with (folder / DATASETS_FILE).open("r") as handle:
        datasets = pd.read_csv(handle, index_col="dataset")
    with (folder / RESULTS_FILE).open("r") as handle:
        results = pd.read_csv(handle)
    return Evidence(datasets, results)
