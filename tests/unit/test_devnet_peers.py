"""Peer adapters for PyOD's / DeepOD's weakly-supervised detectors: registered, seeded, and run
through the same contract as our detectors (tiny settings)."""

from __future__ import annotations

import numpy as np
import pytest

from anomalab.peers import PEERS, make_peer

NAMES = ["PyOD-DevNet", "DeepOD-DevNet", "DeepOD-DeepSAD", "DeepOD-PReNet"]
TINY = {"PyOD-DevNet": {"epochs": 1, "batch_size": 64}}


@pytest.mark.parametrize("name", NAMES)
def test_peer_fits_and_scores_repeatably(name: str) -> None:
    spec = PEERS[name]
    if spec.version() is None:
        pytest.skip(f"{spec.library} not installed")
    rng = np.random.default_rng(0)
    X = rng.random((200, 5))
    y = (np.arange(200) < 10).astype(np.int64)
    params = TINY.get(name, {"epochs": 1, "batch_size": 64})
    a = make_peer(name, params, random_state=3).fit(X, y).decision_function(X[:20])
    b = make_peer(name, params, random_state=3).fit(X, y).decision_function(X[:20])
    assert a.shape == (20,) and np.isfinite(a).all()
    np.testing.assert_allclose(a, b)
