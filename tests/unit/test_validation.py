"""Input validation: clear errors, no change to the caller's data."""

import numpy as np
import pandas as pd
import pytest

from anomalab.validation import check_array, check_contamination, check_labels


def test_check_array_accepts_dataframes_and_ints_without_copying_semantics() -> None:
    X = np.arange(6).reshape(3, 2)
    out = check_array(X)
    assert out.dtype == np.float64 and out.shape == (3, 2)
    out[0, 0] = 99
    assert X[0, 0] == 0  # int input was converted into a new array
    assert check_array(pd.DataFrame(X)).shape == (3, 2)


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (None, TypeError, "None"),
        (np.zeros((0, 3)), ValueError, "empty input"),
        (np.zeros((3, 0)), ValueError, r"0 feature\(s\)"),
        (np.zeros(3), ValueError, "2-D"),
        (np.zeros((2, 2, 2)), ValueError, "2-D"),
        (np.array([[1.0, np.nan]]), ValueError, "NaN or infinity"),
        (np.array([["a", "b"]]), TypeError, "numeric"),
    ],
)
def test_check_array_rejects(X, error, match) -> None:
    with pytest.raises(error, match=match):
        check_array(X)


def test_check_array_complex_sparse_and_object_input() -> None:
    from scipy import sparse

    with pytest.raises(ValueError, match="Complex data not supported"):
        check_array(np.ones((3, 2)) + 1j)
    with pytest.raises(TypeError, match="sparse input is not supported"):
        check_array(sparse.csr_matrix(np.eye(3)))
    numbers = np.array([[1, 2.5], [3, 4]], dtype=object)  # numbers held as objects: accepted
    np.testing.assert_array_equal(check_array(numbers), [[1.0, 2.5], [3.0, 4.0]])
    with pytest.raises(TypeError, match="numeric.*could not convert"):
        check_array(np.array([[1, "a"]], dtype=object))


def test_check_array_rejects_values_beyond_the_compute_dtype() -> None:
    X = np.ones((4, 3))
    X[2, 1] = 1e39  # finite in float64, infinite in float32
    assert check_array(X) is X
    with pytest.raises(ValueError, match=r"float32 range.*1e\+39 at index \(2, 1\)"):
        check_array(X, dtype=np.float32)
    X[2, 1] = 3e38
    assert check_array(X.astype(np.float32), dtype=np.float32).dtype == np.float32


def test_check_array_scans_blocks_and_names_the_first_bad_entry(tmp_path, monkeypatch) -> None:
    import anomalab.validation as validation

    monkeypatch.setattr(validation, "SCAN_ROWS", 1)  # blocks of 64 rows for one feature
    path = tmp_path / "x.npy"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(500, 1))
    X[:] = 1.0
    X[300, 0] = np.nan
    X[450, 0] = np.inf
    with pytest.raises(ValueError, match=r"in 2 entries \(first at index \(300, 0\)\)"):
        check_array(np.load(path, mmap_mode="r"))
    X[300, 0] = X[450, 0] = 0.0
    X.flush()
    mm = np.load(path, mmap_mode="r")
    assert np.shares_memory(check_array(mm), mm)  # a float memmap is not copied


def test_check_array_minimum_samples() -> None:
    with pytest.raises(ValueError, match=r"1 sample\(s\).*minimum of 2"):
        check_array(np.zeros((1, 3)), min_samples=2)


def test_images() -> None:
    assert check_array(np.zeros((2, 5, 5)), image=True).shape == (2, 1, 5, 5)
    assert check_array(np.zeros((2, 75)), image=True, image_shape=(3, 5, 5)).shape == (2, 3, 5, 5)
    with pytest.raises(ValueError, match="image shape mismatch"):
        check_array(np.zeros((2, 70)), image=True, image_shape=(3, 5, 5))
    with pytest.raises(ValueError, match="no image_shape"):
        check_array(np.zeros((2, 75)), image=True)


def test_labels() -> None:
    assert check_labels(None, 3) is None
    np.testing.assert_array_equal(check_labels([1.0, 0.0, -1.0], 3), [1, 0, -1])
    with pytest.raises(ValueError, match="outside"):
        check_labels([0, 2, 1], 3)
    with pytest.raises(ValueError, match="non-integer"):
        check_labels([0, 0.5, 1], 3)
    with pytest.raises(ValueError, match="no labeled anomaly"):
        check_labels([0, 0, -1], 3, require_anomaly=True)
    with pytest.raises(ValueError, match="y=None"):
        check_labels(None, 3, require_anomaly=True)


def test_contamination() -> None:
    assert check_contamination(0.1) == 0.1
    assert check_contamination("auto", allow_auto=True) == "auto"
    for bad in (0, 0.6, -0.1):
        with pytest.raises(ValueError, match="contamination"):
            check_contamination(bad)
    with pytest.raises(ValueError, match="auto"):
        check_contamination("auto")
    with pytest.raises(TypeError):
        check_contamination(True)


def _size_cases() -> list:
    """(detector, parameter, bad value) for every network size a registered detector takes."""
    from anomalab.registry import detector_specs
    from anomalab.validation import SIZE_LISTS, SIZES

    cases = []
    for spec in detector_specs():
        names = spec.cls._get_param_names()
        cases += [pytest.param(spec, n, 0, id=f"{spec.name}-{n}") for n in SIZES if n in names]
        cases += [
            pytest.param(spec, n, bad, id=f"{spec.name}-{n}-{bad}")
            for n in SIZE_LISTS
            if n in names
            for bad in ([0], [2.5], "wide")
        ]
    return cases


@pytest.mark.parametrize(("spec", "name", "bad"), _size_cases())
def test_a_network_size_below_one_is_refused_at_fit_naming_it(spec, name, bad) -> None:
    """A width 0 built a layer of no units that trained, without error, into a constant."""
    tabular = "tabular" in spec.data_kinds
    X = np.random.default_rng(0).random((40, 6) if tabular else (40, 1, 28, 28))
    y = np.r_[np.zeros(35, dtype=int), np.ones(5, dtype=int)]
    detector = spec.cls(**{name: bad})
    with pytest.raises(ValueError, match=f"^{name} must be"):
        detector.fit(X, y if spec.supervision != "unsupervised" else None)


def test_random_state_takes_sklearns_forms_and_range() -> None:
    """An int in [0, 2**32 - 1], a numpy Generator or RandomState (one draw, as scikit-learn's
    estimators draw from it), or None; the same for our detectors and for the peers."""
    from anomalab import AutoEncoder
    from anomalab.nn.runtime import resolve_seed
    from anomalab.peers import make_peer

    assert resolve_seed(np.random.RandomState(0)) == resolve_seed(np.random.RandomState(0))
    assert resolve_seed(2**32 - 1) == 2**32 - 1
    X = np.random.default_rng(0).random((60, 4))
    for make in (
        lambda r: AutoEncoder(epochs=1, random_state=r),
        lambda r: make_peer("IForest", random_state=r),
    ):
        a = make(np.random.RandomState(3)).fit(X).decision_scores_
        np.testing.assert_array_equal(a, make(np.random.RandomState(3)).fit(X).decision_scores_)
        for bad in (-1, 2**32):
            with pytest.raises(ValueError, match=r"random_state must lie in \[0, 2\*\*32 - 1\]"):
                make(bad).fit(X)
        with pytest.raises(TypeError, match="random_state must be an int"):
            make(1.5).fit(X)
