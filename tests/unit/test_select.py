"""anomalab.select: meta-features, the evidence table, both selection modes, budgets, errors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from anomalab.data import make_task
from anomalab.ensemble import RankEnsemble
from anomalab.selection import META_FEATURES, load_evidence, meta_features, select
from anomalab.selection.choose import choose_on_evidence


@pytest.fixture(scope="module")
def cardio():  # type: ignore[no-untyped-def]
    return make_task("cardio", "semi_supervised", seed=0, ratio=0.05)


def test_meta_features_ignore_feature_scales(cardio) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    scale = rng.uniform(0.01, 100.0, cardio.X_train.shape[1])
    shift = rng.normal(0.0, 50.0, cardio.X_train.shape[1])
    plain = meta_features(cardio.X_train)
    rescaled = meta_features(cardio.X_train * scale + shift)
    assert list(plain) == list(META_FEATURES)
    for name in META_FEATURES:
        assert rescaled[name] == pytest.approx(plain[name], rel=1e-6, abs=1e-9), name


def test_meta_features_refuse_a_single_row() -> None:
    with pytest.raises(ValueError, match="at least 2 rows"):
        meta_features(np.ones((1, 3)))


def test_evidence_finds_a_dataset_as_its_own_nearest_and_leaves_it_out() -> None:
    ev = load_evidence()
    assert len(ev.datasets) >= 30 and "IForest" in ev.detectors and "SGAE" in ev.detectors
    meta = ev.datasets.loc["cardio", list(META_FEATURES)].to_dict()
    near = ev.nearest(meta, 5)
    assert near.index[0] == "cardio" and near.iloc[0] == pytest.approx(0.0)
    held_out = ev.without("cardio")
    assert "cardio" not in held_out.nearest(meta, 5).index
    assert "cardio" not in set(held_out.results["dataset"])


def test_expected_fit_time_grows_with_rows_and_at_least_linearly_beyond_the_evidence() -> None:
    ev = load_evidence()
    largest = int(ev.results["n_train"].max())
    small, big = (
        ev.expected_fit_seconds("IForest", 1000),
        ev.expected_fit_seconds("IForest", largest),
    )
    beyond = ev.expected_fit_seconds("IForest", 10 * largest)
    assert small is not None and big is not None and beyond is not None
    assert small < big and beyond >= 10 * big * 0.999
    assert ev.expected_fit_seconds("no-such-detector", 1000) is None


def test_select_without_labels_chooses_from_the_evidence(cardio) -> None:  # type: ignore[no-untyped-def]
    result = select(cardio.X_train, random_state=0, exclude=["cardio"], budget_seconds=30)
    assert result.mode == "evidence" and "cardio" not in result.neighbors
    assert set(result.choice) <= set(load_evidence().detectors)
    assert list(result.detector.members) == list(result.choice)
    scores = result.detector.decision_function(cardio.X_test)
    assert roc_auc_score(cardio.y_test, scores) > 0.6  # the evaluation is docs/results/select.md
    ranking = result.ranking
    assert ranking["auc_roc_mean"].is_monotonic_decreasing
    assert set(ranking.loc[ranking.status == "chosen", "candidate"]) == set(result.choice)


def test_a_tight_budget_keeps_only_quick_detectors(cardio) -> None:  # type: ignore[no-untyped-def]
    ev = load_evidence()
    meta = meta_features(cardio.X_train)
    shape = cardio.X_train.shape
    roomy = choose_on_evidence(meta, shape, ev.detectors, ev)
    quick = choose_on_evidence(meta, shape, ev.detectors, ev, seconds_left=0.5)
    expected = {c: ev.expected_fit_seconds(c, *shape) or 0.0 for c in ev.detectors}
    assert sum(expected[c] for c in quick.choice) <= 0.5 * 0.8
    over = quick.ranking[quick.ranking.status == "over budget"]["candidate"]
    assert len(over) > 0 and all(expected[c] > 0.4 for c in over)
    assert len(roomy.ranking[roomy.ranking.status == "over budget"]) == 0


def test_select_with_labels_ranks_by_cross_validation(cardio) -> None:  # type: ignore[no-untyped-def]
    y = cardio.y_train
    assert (y == 1).sum() >= 3
    result = select(cardio.X_train, y, candidates=["IForest", "PyOD-ECOD"], random_state=0)
    assert result.mode == "labels"
    ranking = result.ranking
    assert list(ranking["candidate"]) == ["IForest", "PyOD-ECOD"] or list(ranking["candidate"]) == [
        "PyOD-ECOD",
        "IForest",
    ]
    assert ranking["auc_pr_mean"].is_monotonic_decreasing
    assert ranking.iloc[0]["status"] == "chosen" and result.choice == (ranking.iloc[0].candidate,)
    assert ranking["won_splits"].sum() >= 1.0 - 1e-9  # every split has a winner
    assert isinstance(result.detector, RankEnsemble)
    assert roc_auc_score(cardio.y_test, result.detector.decision_function(cardio.X_test)) > 0.7


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"candidates": ["NoSuchDetector"]}, "unknown detector 'NoSuchDetector'"),
        ({"candidates": "IForest"}, "non-empty list"),
        ({"budget_seconds": 0}, "budget_seconds must be a positive number"),
        ({"candidates": ["DevNet"]}, "the evidence has no results for"),
    ],
)
def test_select_refuses_bad_arguments(cardio, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        select(cardio.X_train[:200], **kwargs)


def test_select_needs_a_handful_of_labeled_anomalies(cardio) -> None:  # type: ignore[no-untyped-def]
    y = np.zeros(len(cardio.X_train), dtype=int)
    y[:2] = 1
    with pytest.raises(ValueError, match="at least 3 labeled anomalies"):
        select(cardio.X_train, y)


def test_selected_detector_fits_scores_and_saves_its_choice(cardio, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import anomalab
    from anomalab.selection import SelectedDetector

    det = SelectedDetector(candidates=["IForest", "PyOD-HBOS"], random_state=0)
    det.fit(cardio.X_train, cardio.y_train)
    assert det.selection_.mode == "labels" and det.selection_.choice[0] in ("IForest", "PyOD-HBOS")
    scores = det.decision_function(cardio.X_test)
    loaded = anomalab.load(det.save(tmp_path / "model"))
    assert isinstance(loaded, RankEnsemble)
    np.testing.assert_array_equal(loaded.decision_function(cardio.X_test), scores)


def test_a_select_cell_records_its_choice_and_the_suite_matches_the_defaults() -> None:
    from anomalab.bench.cells import Cell, run_cell
    from anomalab.bench.suites import load_suite
    from anomalab.selection.choose import LABELED_CANDIDATES

    cell = Cell(
        detector="Select",
        dataset="WBC",
        protocol="semi_supervised",
        seed=0,
        params={"candidates": ["IForest", "PyOD-HBOS"]},
        protocol_params={"n_labeled": 4},
    )
    row = run_cell(cell)
    assert row["status"] == "ok", row.get("error")
    assert row["params"]["selected"][0] in ("IForest", "PyOD-HBOS")
    ranking = row["params"]["ranking"]  # each candidate's cross-validated mean AUC-PR
    assert set(ranking) == {"IForest", "PyOD-HBOS"} and all(0 <= v <= 1 for v in ranking.values())
    assert max(ranking, key=ranking.get) == row["params"]["selected"][0]
    suite = load_suite("select-labeled")
    assert [name for name, _, _ in suite.detectors] == ["Select", *LABELED_CANDIDATES]


def test_a_large_table_under_a_budget_times_its_choice_first(monkeypatch) -> None:
    """The evidence says a detector is quick; timed on a pilot sample it is not: it is dropped
    and the choice is made again without it."""
    from anomalab.data import load_dataset
    from anomalab.selection import choose

    data = load_dataset("mammography")  # 11,183 rows: more than twice the pilot's rows
    ev = load_evidence()
    real = ev.expected_fit_seconds
    slow = {"IForest"}
    monkeypatch.setattr(type(ev), "expected_fit_seconds", lambda self, n, *a: 0.001)
    original_fit = RankEnsemble.fit

    def fit(self, X, y=None, **kw):  # type: ignore[no-untyped-def]
        if set(self.members) & slow and len(X) == choose.PILOT_ROWS:
            import time

            time.sleep(3.0)  # paced like a detector that would take minutes on every row
        return original_fit(self, X, y, **kw)

    monkeypatch.setattr(RankEnsemble, "fit", fit)
    result = select(data.X, candidates=["IForest", "PyOD-HBOS"], budget_seconds=20, random_state=0)
    assert result.choice == ("PyOD-HBOS",)
    row = result.ranking[result.ranking.candidate == "IForest"].iloc[0]
    assert row.status == "over budget (pilot)" and row.expected_fit_s > 2.0
    assert real("IForest", 1000) is not None


def test_the_evidence_chooses_how_many_neighbours_to_rank_on() -> None:
    """Revision 2's locality: the count with the best leave-one-dataset-out mean wins; where the
    neighbours tell nothing, every dataset is used. A table of two kinds of datasets, where one
    detector wins on each kind, makes locality pay."""
    from anomalab.selection.evidence import Evidence
    from anomalab.selection.locality import NEIGHBOR_GRID, neighbors_by_lodo

    ev = load_evidence()
    k, means = neighbors_by_lodo(ev, ev.detectors)
    assert set(means) == {"all" if g is None else str(g) for g in NEIGHBOR_GRID}
    assert means["all" if k is None else str(k)] == max(means.values())
    datasets = ev.datasets.iloc[:20].copy()
    kind = np.arange(20) % 2  # two clusters of datasets, far apart in one meta-feature
    datasets.loc[:, list(META_FEATURES)] = 0.0
    datasets[META_FEATURES[0]] = kind * 100.0
    datasets[META_FEATURES[1]] = np.arange(20) * 0.01
    rows = [
        {
            "dataset": d,
            "detector": det,
            "protocol": "unsupervised",
            "auc_roc": auc,
            "n_train": 100,
            "fit_seconds": 0.01,
        }
        for d, c in zip(datasets.index, kind, strict=True)
        for det, auc in (("A", 0.9 if c else 0.4), ("B", 0.4 if c else 0.8))
    ]
    local = Evidence(datasets, __import__("pandas").DataFrame(rows))
    k, means = neighbors_by_lodo(local, ["A", "B"])
    # 3, 5 and 10 nearest are of the held-out dataset's kind (9 others of it): ties go to 10
    assert k == 10 and means["3"] == means["10"] == pytest.approx(0.85) and means["all"] < 0.7
    meta = datasets.iloc[1].to_dict()  # of the kind where A wins
    chosen = choose_on_evidence(meta, (100, 5), ["A", "B"], local.without(datasets.index[1]))
    assert chosen.choice[0] == "A" and chosen.ranking["candidate"].iloc[0] == "A"
    everywhere = choose_on_evidence(meta, (100, 5), ["A", "B"], local, neighbors=None)
    assert len(everywhere.neighbors) == 20  # None: ranked on every dataset


def test_a_select_cells_key_follows_its_rules_and_candidates(monkeypatch) -> None:
    """A changed selection rule or a candidate's new recommended revision re-keys Select cells
    (so their stored results are not reused); at today's revisions the stored keys hold."""
    from anomalab.bench.cells import SELECT_REVISION_BASE, Cell, key_params
    from anomalab.registry import get_spec
    from anomalab.selection import choose

    cell = Cell("Select", "WBC", "semi_supervised", 0, {}, {"ratio": 0.05})
    current = cell.key
    assert choose.RULE_REVISIONS["labeled"] == 2  # the one-standard-error rule: re-keyed cells
    assert key_params("Select", {})["rule_revisions"] == {"labeled": 2}
    monkeypatch.setitem(choose.RULE_REVISIONS, "labeled", SELECT_REVISION_BASE["labeled"])
    plain = cell.key  # the key every revision-1 cell was stored under
    assert plain != current and "rule_revisions" not in key_params("Select", {})
    monkeypatch.setitem(choose.RULE_REVISIONS, "labeled", 2)
    assert cell.key == current
    cls = get_spec("DevNet").cls
    monkeypatch.setattr(cls, "recommended_revision", cls.recommended_revision + 1)
    assert cell.key != current
    assert key_params("Select", {})["candidate_revisions"] == {"DevNet": cls.recommended_revision}
    assert key_params("Select", {"candidates": ["IForest"]}) == {
        "candidates": ["IForest"],
        "rule_revisions": {"labeled": 2},
    }


def test_the_one_standard_error_rule_keeps_the_best_and_those_it_cannot_tell_apart() -> None:
    from anomalab.selection.labeled import within_one_standard_error

    matrix = np.array(
        [
            [0.50, 0.60, 0.70, 0.80],  # the best mean
            [0.49, 0.62, 0.66, 0.79],  # a little lower, split by split: within one SE
            [0.10, 0.20, 0.30, 0.40],  # lower on every split by 0.4
        ]
    )
    assert within_one_standard_error(matrix, [0, 1, 2]) == [0, 1]
    assert within_one_standard_error(matrix, [2]) == [2]  # the best eligible is always kept
    same_gap = matrix[0] - 0.02  # a constant gap has no spread: told apart
    assert within_one_standard_error(np.vstack([matrix[0], same_gap]), [0, 1]) == [0]


def test_labels_choose_the_preferred_candidate_among_those_within_one_standard_error() -> None:
    from anomalab.selection.choose import _labeled_selection
    from anomalab.selection.labeled import CandidateScores

    results = [
        CandidateScores("IForest", [0.50, 0.60, 0.70, 0.80], [1.0] * 4),
        CandidateScores("DevNet", [0.49, 0.62, 0.66, 0.79], [1.0] * 4),
        CandidateScores("PyOD-ECOD", [0.10, 0.20, 0.30, 0.40], [1.0] * 4),
    ]
    preference = ["DevNet", "PyOD-ECOD", "IForest"]
    chosen = _labeled_selection(results, preference, {}, {}, np.inf, 4, 0)
    assert chosen.choice == ("DevNet",) and "within one standard error" in chosen.reason
    status = dict(zip(chosen.ranking.candidate, chosen.ranking.status, strict=True))
    assert status == {"IForest": "within one standard error", "DevNet": "chosen", "PyOD-ECOD": ""}
    # ECOD, preferred over IForest, is not close to the best: IForest wins on its own
    alone = _labeled_selection(results[::2], preference, {}, {}, np.inf, 4, 0)
    assert alone.choice == ("IForest",) and alone.reason.startswith("best mean")
    # a refit that does not fit the budget takes the candidate out of the comparison
    slow = _labeled_selection(results, preference, {}, {"DevNet": 9.0}, 5.0, 4, 0)
    assert slow.choice == ("IForest",)
    # no refit fits: the quickest to refit, said so
    none_fit = {"IForest": 9.0, "DevNet": 8.0, "PyOD-ECOD": 7.0}
    quickest = _labeled_selection(results, preference, {}, none_fit, 5.0, 4, 0)
    assert quickest.choice == ("PyOD-ECOD",) and quickest.reason.startswith("quickest refit")


def test_select_on_a_small_table_leaves_out_the_candidates_that_cannot_fit_it() -> None:
    """Twenty rows: PyOD's AutoEncoder (whole batches of 32) drops out of the default candidates
    instead of failing the choice."""
    from anomalab.peers import PEERS

    if PEERS["PyOD-AutoEncoder"].version() is None:
        pytest.skip("pyod is not installed")
    assert "PyOD-AutoEncoder" in load_evidence().detectors  # a default candidate otherwise
    X = np.random.default_rng(0).normal(size=(20, 4))
    result = select(X, random_state=0)
    assert "PyOD-AutoEncoder" not in set(result.ranking["candidate"])
    assert np.isfinite(result.detector.decision_function(X)).all()
