"""``anomalab.select``: which detector for this table, chosen on its labels or on the evidence.

- **With labels** (at least :data:`~anomalab.selection.labeled.MIN_LABELED_ANOMALIES` rows
  labeled 1): every candidate is ranked by repeated stratified cross-validated AUC-PR on the
  user's rows (:mod:`anomalab.selection.labeled`; at most 10,000 of them: every labeled anomaly
  and a sample of the rest). The winner, refitted on all rows, is the first candidate in the
  preference order (the ``candidates`` as given; by default :data:`LABELED_CANDIDATES`, those that
  use labels first) among those whose mean lies within one standard error of the best mean: with
  a few labeled anomalies the cross-validation is noisy, and it overrides the preference only
  when it can tell the candidates apart.
- **Without labels**: the table's meta-features (:mod:`anomalab.selection.meta`) find the
  closest datasets of the evidence (:mod:`anomalab.selection.evidence`, our own archived
  benchmark cells), as many as the evidence's own leave-one-dataset-out measurement says
  (:mod:`anomalab.selection.locality`; every dataset where locality does not pay); the detector
  with the best mean AUC-ROC there wins if the evidence is decisive -- its lead over the
  runner-up on those datasets is positive and at least one standard error of the paired
  differences -- else the top :data:`ENSEMBLE_SIZE` are rank-averaged
  (:class:`anomalab.ensemble.RankEnsemble`).

With a budget, the candidates are cross-validated quickest first (expected times from the
evidence's fit times, a power law in the rows); one whose expected time, or whose pace on its
first splits, does not fit what is left is skipped, and the winner is the best one whose refit on
every row (at its measured pace) still fits.

These constants were fixed before the leave-one-dataset-out evaluation
(``docs/results/select.md``) ran, and not changed after it. Revision 1 of the unlabeled rule
ranked on :data:`NEIGHBORS_REVISION_1` nearest datasets always; revision 2 (the current one) lets
the evidence choose the count, after revision 1 measured below IsolationForest there. Revision 1
of the labeled rule chose the best mean AUC-PR; revision 2 (the current one) adds the
one-standard-error preference, after revision 1 measured 0.045 below the per-dataset oracle and
below DevNet alone there (its choices switched between candidates from seed to seed).

The chosen detector is returned fitted, as a :class:`~anomalab.ensemble.RankEnsemble` (one member:
that detector behind the min-max scaling the evidence was measured with), so it saves and loads
like any other detector.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from anomalab.ensemble import RankEnsemble
from anomalab.entrants import check_entrant_name
from anomalab.nn.runtime import resolve_seed
from anomalab.peers import can_fit
from anomalab.selection.evidence import Evidence, load_evidence
from anomalab.selection.labeled import (
    MIN_LABELED_ANOMALIES,
    N_REPEATS,
    CandidateScores,
    cross_validate,
    cv_rows,
    splits,
    standard_error,
    within_one_standard_error,
)
from anomalab.selection.locality import neighbors_by_lodo
from anomalab.selection.meta import meta_features
from anomalab.selection.progress import progress_bar
from anomalab.validation import check_array, check_labels

#: Candidates ranked on labels by default, in the labeled rule's order of preference: the detectors
#: that use labels (DevNet; AnoRand, which adds labeled anomalies to its pseudo-anomalies), our
#: best unsupervised detector on the evidence, and classic peers.
LABELED_CANDIDATES = ("DevNet", "AnoRand", "AutoEncoder", "IForest", "PyOD-KNN", "PyOD-ECOD")
#: The unlabeled rule's first revision: always the 5 nearest datasets (now chosen by the evidence).
NEIGHBORS_REVISION_1 = 5
#: The selection rules' revisions (a benchmark Select cell is keyed by them).
RULE_REVISIONS = {"labeled": 2, "unlabeled": 2}
ENSEMBLE_SIZE = 3
#: Share of the remaining budget a candidate's expected time may take (the rest is headroom).
BUDGET_HEADROOM = 0.8
#: Rows a detector is timed on before it is fitted on a large table under a budget.
PILOT_ROWS = 2000


@dataclass
class Selection:
    """What :func:`select` chose, and how sure it is.

    ``detector``: the chosen detector, fitted on all rows. ``choice``: its member names (several
    for an ensemble). ``mode``: ``"labels"`` or ``"evidence"``. ``ranking``: one row per
    candidate, best first (labels: mean and std of the cross-validated AUC-PR and the share of
    splits it won; evidence: mean and std of AUC-ROC over the nearest datasets), with its
    expected fit seconds and status. ``decisive``: whether one detector stood out.
    ``neighbors``: the nearest evidence datasets and their distances (evidence mode).
    """

    detector: RankEnsemble
    choice: tuple[str, ...]
    mode: str
    ranking: pd.DataFrame
    decisive: bool
    reason: str
    neighbors: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        """A few lines for a person: the choice, why, and the ranking."""
        chosen = " + ".join(self.choice)
        lines = [f"selected: {chosen} ({self.mode}; {self.reason})"]
        if self.neighbors:
            shown = list(self.neighbors.items())
            near = ", ".join(f"{name} ({dist:.2f})" for name, dist in shown[:5])
            more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
            lines.append(f"ranked on {len(shown)} benchmark datasets, nearest: {near}{more}")
        lines.append(self.ranking.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        return "\n".join(lines)


def select(
    X: Any,
    y: Any = None,
    candidates: Sequence[str] | None = None,
    budget_seconds: float | None = None,
    random_state: int | None = None,
    *,
    progress: bool = False,
    evidence: Evidence | None = None,
    exclude: Sequence[str] = (),
) -> Selection:
    """Choose a detector for the rows ``X`` and return it fitted (see the module docstring).

    ``y``: labels (1 labeled anomaly, 0 unlabeled, -1 labeled normal), or None. ``candidates``:
    detector or peer names (default: :data:`LABELED_CANDIDATES` with labels, the evidence's
    without; less peers not installed or needing more rows than ``X`` has). ``budget_seconds``:
    candidates whose expected time does not fit the remaining budget are skipped (the chosen
    one's fit counts too). ``evidence`` / ``exclude``: another evidence table, and datasets to
    leave out of it (the leave-one-dataset-out evaluation).
    """
    start, given = time.perf_counter(), X  # the chosen one is fitted on X as given (its names)
    X = check_array(X, dtype=np.float64, min_samples=2)
    labels = check_labels(y, X.shape[0])
    if budget_seconds is not None and not (
        isinstance(budget_seconds, int | float) and budget_seconds > 0
    ):
        raise ValueError(f"budget_seconds must be a positive number, got {budget_seconds!r}")
    seed = resolve_seed(random_state)
    ev = evidence if evidence is not None else load_evidence()
    for name in exclude:
        ev = ev.without(name)
    deadline = None if budget_seconds is None else start + float(budget_seconds)
    n_labeled = 0 if labels is None else int(np.sum(labels == 1))
    if 0 < n_labeled < MIN_LABELED_ANOMALIES:
        raise ValueError(
            f"choosing on labels needs at least {MIN_LABELED_ANOMALIES} labeled anomalies "
            f"(label 1), got {n_labeled}; pass y=None to choose from the benchmark evidence"
        )
    if n_labeled:
        assert labels is not None
        names = _candidates(candidates, LABELED_CANDIDATES, len(X))
        result = _select_on_labels(X, labels, names, ev, seed, deadline, progress)
    else:
        names = _candidates(candidates, tuple(ev.detectors), len(X))
        result = _select_on_evidence(X, names, ev, seed, deadline)
    result.detector.fit(given, labels)
    result.seconds = time.perf_counter() - start
    return result


def _candidates(given: Sequence[str] | None, default: Sequence[str], rows: int) -> list[str]:
    if given is None:  # peers whose library is missing, or too few rows, drop out of the default
        return [n for n in default if can_fit(n, rows)]
    if isinstance(given, str) or not given:
        raise ValueError(f"candidates must be a non-empty list of detector names, got {given!r}")
    return list(dict.fromkeys(check_entrant_name(name) for name in given))


def _remaining(deadline: float | None) -> float:
    return math.inf if deadline is None else deadline - time.perf_counter()


def _select_on_evidence(
    X: np.ndarray, names: list[str], ev: Evidence, seed: int, deadline: float | None
) -> Selection:
    meta = meta_features(X, seed=0)
    if deadline is None or X.shape[0] <= 2 * PILOT_ROWS:
        return choose_on_evidence(meta, X.shape, names, ev, seed, _remaining(deadline))
    # A large table under a budget: each chosen detector is first timed on PILOT_ROWS rows; one
    # whose pace, grown to every row, would not fit what is left is dropped and the choice made
    # again without it (the evidence's times, from tables of at most 10,000 rows, can be far off).
    rows = np.random.default_rng(seed).choice(X.shape[0], PILOT_ROWS, replace=False)
    pilots: dict[str, float] = {}
    dropped: list[str] = []
    while True:
        kept = [n for n in names if n not in dropped]
        result = choose_on_evidence(meta, X.shape, kept, ev, seed, _remaining(deadline))
        for name in result.choice:
            if name not in pilots:
                pilots[name] = _pilot_seconds(name, X, np.sort(rows), ev, seed)
        total = sum(pilots[n] for n in result.choice)
        if total <= _remaining(deadline) * BUDGET_HEADROOM or len(kept) <= 1:
            break
        dropped.append(max(result.choice, key=lambda n: pilots[n]))
    timed_out = pd.DataFrame(
        {"candidate": dropped, "expected_fit_s": [pilots[n] for n in dropped]}
    ).assign(status="over budget (pilot)")
    result.ranking = pd.concat([result.ranking, timed_out], ignore_index=True)
    return result


def _pilot_seconds(name: str, X: np.ndarray, rows: np.ndarray, ev: Evidence, seed: int) -> float:
    """Expected seconds to fit ``name`` on every row of ``X``: timed on half of ``rows`` and on
    all of them, grown to ``X``'s rows with the larger of the exponent those two times show and
    the evidence's (clipped to [1, 2]: a detector quadratic in the rows, such as a k-nearest-
    neighbour search in many dimensions, shows it here before the evidence's small tables do)."""
    seconds = []
    for part in (rows[: len(rows) // 2], rows):
        start = time.perf_counter()
        RankEnsemble(members=[name], random_state=seed).fit(X[part])
        seconds.append(max(time.perf_counter() - start, 1e-6))
    measured = math.log(seconds[1] / seconds[0]) / math.log(len(rows) / (len(rows) // 2))
    exponent = min(max(measured, ev.scaling_exponent(name), 1.0), 2.0)
    return seconds[1] * (X.shape[0] / len(rows)) ** exponent


def choose_on_evidence(
    meta: dict[str, float],
    shape: tuple[int, int],
    names: list[str],
    ev: Evidence,
    seed: int = 0,
    seconds_left: float = math.inf,
    neighbors: int | None | str = "evidence",
) -> Selection:
    """The unlabeled choice for a table of ``shape`` (rows, features) described by ``meta`` (the returned
    detector is not fitted): what :func:`select` does without labels, given only the table's
    description (the leave-one-dataset-out evaluation calls it with each dataset's).
    ``neighbors``: how many nearest datasets to rank on (None: all); ``"evidence"`` (revision 2)
    lets :func:`~anomalab.selection.locality.neighbors_by_lodo` choose."""
    missing = sorted(set(names) - set(ev.detectors))
    if missing:
        raise ValueError(
            f"the evidence has no results for {missing}; without labels the candidates must be "
            f"among: {', '.join(ev.detectors)}"
        )
    k = neighbors_by_lodo(ev, names)[0] if neighbors == "evidence" else neighbors
    near = ev.nearest(meta, len(ev.datasets) if k is None else int(k))
    table = ev.ranking(list(near.index), names)
    expected = {n: ev.expected_fit_seconds(n, *shape) for n in table.index}
    budget = seconds_left * BUDGET_HEADROOM
    feasible = [n for n in table.index if (expected[n] or 0.0) <= budget]
    if not feasible:
        raise ValueError(
            f"no candidate fits the budget: the quickest is expected to take "
            f"{min(v or 0.0 for v in expected.values()):.2g} s; {max(budget, 0.0):.2g} s were left"
        )
    winner = feasible[0]
    decisive, lead = _decisive(table, feasible)
    if decisive:
        choice = [winner]
        reason = f"{winner} leads the runner-up by {lead:+.3f} AUC-ROC on the nearest datasets"
    else:
        choice = []
        for name in feasible:
            total = sum(expected[m] or 0.0 for m in [*choice, name])
            if len(choice) < ENSEMBLE_SIZE and total <= budget:
                choice.append(name)
        reason = (
            f"no detector stands out on the nearest datasets (lead {lead:+.3f} AUC-ROC); "
            f"rank average of the top {len(choice)}"
        )
    ranking = pd.DataFrame(
        {
            "candidate": table.index,
            "auc_roc_mean": table.mean(axis=1).to_numpy(),
            "auc_roc_std": table.std(axis=1, ddof=0).to_numpy(),
            "expected_fit_s": [expected[n] for n in table.index],
            "status": [
                "chosen" if n in choice else "over budget" if n not in feasible else ""
                for n in table.index
            ],
        }
    )
    detector = RankEnsemble(members=choice, random_state=seed)
    return Selection(
        detector, tuple(choice), "evidence", ranking, decisive, reason, near.round(3).to_dict()
    )


def _decisive(table: pd.DataFrame, feasible: list[str]) -> tuple[bool, float]:
    """Whether the first feasible detector leads the second on the neighbours by at least one
    standard error of the paired differences; and its mean lead."""
    if len(feasible) < 2:
        return True, math.inf
    diff = (table.loc[feasible[0]] - table.loc[feasible[1]]).to_numpy(dtype=float)
    lead = float(np.mean(diff))
    return lead > 0 and lead >= standard_error(diff), lead


def _select_on_labels(
    X: np.ndarray,
    labels: np.ndarray,
    names: list[str],
    ev: Evidence,
    seed: int,
    deadline: float | None,
    progress: bool,
) -> Selection:
    rows = cv_rows(labels, seed)
    X_cv, y_cv = X[rows], labels[rows]
    folds = splits(y_cv, seed)
    k = len(folds) // N_REPEATS
    fold_rows = len(rows) * (k - 1) // k
    growth = {n: (X.shape[0] / fold_rows) ** ev.scaling_exponent(n) for n in names}
    expected: dict[str, float | None] = {}
    for name in names:
        per_fit = ev.expected_fit_seconds(name, fold_rows, X.shape[1])
        expected[name] = None if per_fit is None else per_fit * (len(folds) + growth[name])
    # quickest first, so that a slow candidate cannot use up the budget of the quick ones
    order = sorted(names, key=lambda n: math.inf if expected[n] is None else expected[n])
    results: list[CandidateScores] = []
    with progress_bar(progress, len(order)) as advance:
        for name in order:
            if (expected[name] or 0.0) > _remaining(deadline) * BUDGET_HEADROOM:
                results.append(CandidateScores(name, error="over budget"))
            else:
                builder = _builder(name, seed)
                results.append(cross_validate(name, builder, X_cv, y_cv, folds, deadline))
            advance(name)
    refit = {
        r.name: float(np.mean(r.fit_seconds)) * growth[r.name] for r in results if r.fit_seconds
    }
    budget = _remaining(deadline) * BUDGET_HEADROOM
    return _labeled_selection(results, names, expected, refit, budget, len(folds), seed)


def _builder(name: str, seed: int) -> Callable[[], RankEnsemble]:
    return lambda: RankEnsemble(members=[name], random_state=seed)


def _labeled_selection(
    results: list[CandidateScores],
    preference: list[str],
    expected: dict[str, float | None],
    refit: dict[str, float],
    budget: float,
    n_splits: int,
    seed: int,
) -> Selection:
    """Among the candidates whose refit on every row (at the pace of their cross-validation fits)
    fits the remaining ``budget``: the first in ``preference`` within one standard error of the
    best mean AUC-PR."""
    done = [r for r in results if r.scores and not np.isnan(r.scores).any()]
    if not done:
        errors = "; ".join(f"{r.name}: {r.error}" for r in results)
        raise ValueError(f"no candidate could be cross-validated within the budget ({errors})")
    matrix = np.array([r.scores for r in done])  # candidates x splits
    wins = (matrix == matrix.max(axis=0)).mean(axis=1)
    order = list(np.argsort(-matrix.mean(axis=1), kind="stable"))
    fitting = [i for i in order if refit.get(done[i].name, 0.0) <= budget]
    close = within_one_standard_error(matrix, fitting) if fitting else []
    rank = {name: position for position, name in enumerate(preference)}
    best_index = (
        min(close, key=lambda i: rank.get(done[i].name, len(rank)))
        if close
        else min(order, key=lambda i: refit.get(done[i].name, 0.0))
    )
    best = done[best_index]
    rows = [
        {
            "candidate": done[i].name,
            "auc_pr_mean": float(np.mean(done[i].scores)),
            "auc_pr_std": float(np.std(done[i].scores)),
            "won_splits": float(wins[i]),
            "expected_fit_s": expected.get(done[i].name),
            "status": "chosen"
            if i == best_index
            else ("refit over budget" if i not in fitting else _CLOSE if i in close else ""),
        }
        for i in order
    ]
    rows += [
        {"candidate": r.name, "expected_fit_s": expected.get(r.name), "status": r.error or ""}
        for r in results
        if r not in done
    ]
    ranking = pd.DataFrame(rows)
    decisive = len(done) == 1 or wins[best_index] > 0.5
    how = {True: "best", False: "preferred within one standard error of the best"}
    where = "" if fitting[:1] == order[:1] else " among those whose refit fits the budget"
    reason = (
        f"{how[[best_index] == fitting[:1]]} mean AUC-PR over {n_splits} cross-validation "
        f"splits{where}, winning {wins[best_index]:.0%} of them"
        if fitting
        else f"quickest refit (none fits the budget), winning {wins[best_index]:.0%} of the splits"
    )
    detector = RankEnsemble(members=[best.name], random_state=seed)
    return Selection(detector, (best.name,), "labels", ranking, decisive, reason)


#: The ranking's status of a candidate within one standard error of the best that was not chosen.
_CLOSE = "within one standard error"
