"""HoldoutSearch: hyperparameters chosen on a stratified hold-out of labeled training data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import anomalab
from anomalab import AnoRand
from anomalab.bench.runner import Cell, make_entrant, run_cell
from anomalab.data import load_dataset, make_task
from anomalab.model_selection import HoldoutSearch


@pytest.fixture(scope="module")
def cardio(data_root: Path):  # type: ignore[no-untyped-def]
    """ADBench's cardio under the fully supervised protocol (labels 1 / -1), seed 0."""
    return make_task(load_dataset("cardio", data_root), "supervised", seed=0)


def _anorand() -> AnoRand:
    return AnoRand(preset="paper", epochs=10, batch_size=64, random_state=0)


@pytest.mark.parametrize("grid", [[0.0, 0.01], [0.01, 0.0]])
def test_picks_the_trained_candidate_whatever_the_grid_order(cardio, grid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # lr 0 leaves the networks at their initial weights: its held-out AP must lose
    search = HoldoutSearch(_anorand(), {"lr": grid}, random_state=0).fit(
        cardio.X_train, cardio.y_train
    )
    assert [r["params"]["lr"] for r in search.cv_results_] == grid
    scores = {r["params"]["lr"]: r["score"] for r in search.cv_results_}
    assert scores[0.01] > scores[0.0] + 0.2
    assert search.best_params_ == {"lr": 0.01} and search.best_score_ == scores[0.01]
    # the winner is refitted on every training row, and it is what scores new data
    assert search.best_estimator_.lr == 0.01
    assert search.best_estimator_.decision_scores_.shape == (len(cardio.X_train),)
    np.testing.assert_array_equal(
        search.decision_function(cardio.X_test),
        search.best_estimator_.decision_function(cardio.X_test),
    )
    # saving writes the winner, which loads back as a plain AnoRand scoring the same
    same = anomalab.load(search.save(tmp_path / "search"))
    assert type(same) is AnoRand and same.lr == 0.01
    np.testing.assert_allclose(
        same.decision_function(cardio.X_test), search.decision_function(cardio.X_test)
    )
    # the wrapped estimator itself is left unfitted and unchanged
    assert not hasattr(search.estimator, "model_") and search.estimator.lr is None


def test_clear_errors(cardio) -> None:  # type: ignore[no-untyped-def]
    X, y = cardio.X_train, cardio.y_train
    with pytest.raises(ValueError, match="no parameter"):
        HoldoutSearch(_anorand(), {"learning_rate": [0.1]}).fit(X, y)
    with pytest.raises(ValueError, match="non-empty list"):
        HoldoutSearch(_anorand(), {"lr": []}).fit(X, y)
    with pytest.raises(ValueError, match="scoring"):
        HoldoutSearch(_anorand(), {"lr": [0.1]}, scoring="f1").fit(X, y)
    with pytest.raises(ValueError, match="anomal"):
        HoldoutSearch(_anorand(), {"lr": [0.1]}).fit(X, np.where(y == 1, -1, y))
    one = np.where(y == 1, -1, y)
    one[np.flatnonzero(y == 1)[0]] = 1
    with pytest.raises(ValueError, match="at least 2 labeled anomalies"):
        HoldoutSearch(_anorand(), {"lr": [0.1]}).fit(X, one)


def test_suite_entry_search_wraps_the_detector_and_the_row_records_the_choice(
    data_root: Path,
) -> None:
    params = {"epochs": 3, "batch_size": 64, "search": {"lr": [0.0, 0.01]}}
    entrant = make_entrant("AnoRand", params, seed=4)
    assert isinstance(entrant, HoldoutSearch) and entrant.random_state == 4
    assert entrant.estimator.random_state == 4 and entrant.param_grid == {"lr": [0.0, 0.01]}
    # the entry's other params are fixed on the wrapped detector (e.g. supervised_synthetic)
    assert entrant.estimator.epochs == 3 and entrant.estimator.batch_size == 64
    assert "search" in params  # the suite's params are not modified
    cell = Cell("AnoRand", "cardio", "supervised", 0, params=params)
    row = run_cell(cell, str(data_root))
    assert row["status"] == "ok", row.get("error")
    assert row["params"]["search"] == {"lr": [0.0, 0.01]}
    assert row["params"]["selected"] in ({"lr": 0.0}, {"lr": 0.01})


def test_a_search_fitted_on_a_table_saves_a_winner_that_checks_its_columns(
    cardio, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    names = [f"f{j}" for j in range(cardio.X_train.shape[1])]
    train = pd.DataFrame(cardio.X_train, columns=names)
    search = HoldoutSearch(_anorand(), {"lr": [0.01]}, random_state=0).fit(train, cardio.y_train)
    assert not hasattr(search.best_estimator_, "feature_names_in_")  # it scores arrays inside
    same = anomalab.load(search.save(tmp_path / "search"))
    assert list(same.feature_names_in_) == names
    test = pd.DataFrame(cardio.X_test, columns=names)
    np.testing.assert_allclose(same.decision_function(test), search.decision_function(test))
    with pytest.raises(ValueError, match="another order than in fit"):
        same.decision_function(test[names[::-1]])
