"""RankEnsemble: rank positions, one member = that detector, several saved and loaded alike."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import anomalab
from anomalab.data import make_task
from anomalab.ensemble import RankEnsemble, rank_positions
from anomalab.persistence import ModelFileError

FAST = {"AutoEncoder": {"epochs": 2}, "RSRAE": {"epochs": 2}}
floats = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)  # scores, not denormals


@pytest.fixture(scope="module")
def cardio():  # type: ignore[no-untyped-def]
    return make_task("cardio", "unsupervised", seed=0)


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 40), elements=floats), arrays(np.float64, 30, elements=floats)
)
def test_rank_positions_keep_the_order_of_scores(reference, scores) -> None:  # type: ignore[no-untyped-def]
    reference = np.sort(reference)
    order = np.argsort(scores, kind="stable")
    positions = rank_positions(reference, scores)
    assert np.all(np.diff(positions[order]) >= -1e-12)  # monotone non-decreasing
    inside = (scores >= reference[0]) & (scores <= reference[-1])
    if reference[-1] > reference[0]:
        assert np.all((positions[inside] >= 0) & (positions[inside] <= 1))


def test_one_member_scores_as_that_detector_on_scaled_rows(cardio) -> None:  # type: ignore[no-untyped-def]
    ensemble = RankEnsemble(members=["IForest"], random_state=3).fit(cardio.X_train)
    lo, hi = cardio.X_train.min(axis=0), cardio.X_train.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    plain = anomalab.entrants.build_detector("IForest", random_state=3)
    plain.fit((cardio.X_train - lo) / span)
    np.testing.assert_allclose(
        ensemble.decision_function(cardio.X_test),
        plain.decision_function((cardio.X_test - lo) / span),
    )


def test_the_ensemble_leaves_the_callers_rows_alone(cardio) -> None:  # type: ignore[no-untyped-def]
    X = cardio.X_train.copy()
    RankEnsemble(members=["IForest", "PyOD-ECOD"], random_state=0).fit(X)
    np.testing.assert_array_equal(X, cardio.X_train)


def test_saved_ensemble_loads_with_its_members(cardio, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ensemble = RankEnsemble(members=["AutoEncoder", "RSRAE"], member_params=FAST, random_state=0)
    ensemble.fit(cardio.X_train)
    folder = ensemble.save(tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json",
        "member-0",
        "member-1",
        "weights.safetensors",
    ]
    loaded = anomalab.load(folder)
    np.testing.assert_array_equal(
        loaded.decision_function(cardio.X_test), ensemble.decision_function(cardio.X_test)
    )
    assert [type(m).__name__ for m in loaded.members_] == ["AutoEncoder", "RSRAE"]


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda c: c.update(members=["../elsewhere"]), "must list the sub-folders"),
        (lambda c: c.update(members=["member-0"]), "saved members for 2 member names"),
        (lambda c: c.pop("members"), "members are saved with ensembles only"),
        (lambda c: c["params"].update(members=["RSRAE", "AutoEncoder"]), "the saved member for"),
    ],
)
def test_a_tampered_ensemble_is_refused(cardio, tmp_path, tamper, message) -> None:  # type: ignore[no-untyped-def]
    ensemble = RankEnsemble(members=["AutoEncoder", "RSRAE"], member_params=FAST, random_state=0)
    folder = ensemble.fit(cardio.X_train[:300]).save(tmp_path / "model")
    config = json.loads((folder / "config.json").read_text())
    tamper(config)
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=message):
        anomalab.load(folder)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"members": "IForest"}, "members must be a list"),
        ({"members": []}, "at least one detector"),
        ({"members": ["IForest", "IForest"]}, "must not repeat"),
        ({"members": ["Nope"]}, "unknown detector 'Nope'"),
        ({"member_params": {"LOF": {}}}, "not members"),
        ({"scale": "zscore"}, "scale must be one of"),
    ],
)
def test_bad_ensemble_parameters_are_refused(cardio, params, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        RankEnsemble(**params).fit(cardio.X_train[:100])


def test_training_scores_are_the_members_without_rescoring(cardio) -> None:  # type: ignore[no-untyped-def]
    for members in (["IForest"], ["IForest", "PyOD-ECOD"]):
        ensemble = RankEnsemble(members=members, random_state=0).fit(cardio.X_train)
        np.testing.assert_allclose(
            ensemble.decision_scores_, ensemble.decision_function(cardio.X_train), rtol=1e-12
        )
