"""Metrics against hand-computed cases."""

import numpy as np
import pytest

from anomalab.metrics import (
    auc_pr,
    auc_roc,
    evaluate,
    f1_at_contamination,
    f1_by_rule,
    f1_normal_at_percentile,
    ks_statistic,
)


def test_auc_roc_hand_computed() -> None:
    # pairs (anomaly, normal): (0.8 > 0.1), (0.8 > 0.4), (0.35 > 0.1), (0.35 < 0.4) -> 3/4
    assert auc_roc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert auc_roc([0, 1], [0.0, 1.0]) == 1.0
    assert auc_roc([0, 1, 0, 1], [1, 1, 1, 1]) == 0.5  # ties count half


def test_auc_pr_is_average_precision() -> None:
    # ranking: 0.8 (1) -> P=1 at R=.5; 0.4 (0); 0.35 (1) -> P=2/3 at R=1. AP = .5*1 + .5*2/3
    assert auc_pr([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.5 + 1 / 3)


def test_f1_at_contamination() -> None:
    y = [0, 0, 0, 1, 1]
    s = [0.1, 0.9, 0.2, 0.8, 0.3]
    # true rate 0.4 -> flag top 2: 0.9 (normal), 0.8 (anomaly): P = 1/2, R = 1/2, F1 = 1/2
    assert f1_at_contamination(y, s) == pytest.approx(0.5)
    # rate 0.6 -> top 3 adds 0.3 (anomaly): P = 2/3, R = 1 -> F1 = 0.8
    assert f1_at_contamination(y, s, 0.6) == pytest.approx(0.8)


def test_ks_statistic() -> None:
    assert ks_statistic([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    # anomalies {0.15, 0.9}, normals {0.1, 0.2}: max CDF gap 0.5
    assert ks_statistic([0, 0, 1, 1], [0.1, 0.2, 0.15, 0.9]) == pytest.approx(0.5)


def test_evaluate_and_errors() -> None:
    out = evaluate([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8])
    assert out == {"auc_roc": 1.0, "auc_pr": 1.0, "f1": 1.0, "ks": 1.0}
    with pytest.raises(ValueError, match="single class"):
        auc_roc([0, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="NaN"):
        auc_roc([0, 1], [0.1, np.nan])
    with pytest.raises(ValueError, match="entries"):
        auc_roc([0, 1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="0 \\(normal\\) / 1"):
        auc_roc([0, 2], [0.1, 0.2])


def test_f1_normal_at_percentile_is_drocc_convention() -> None:
    # 5 normals, 5 anomalies; the 8 least anomalous rows are called normal (20th percentile)
    y = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    perfect = y + np.linspace(0.0, 0.5, 10)  # every anomaly above every normal, no ties
    # predicted normal: 5 normals + 3 anomalies -> P = 5/8, R = 1, F1 = 2 * 0.625 / 1.625
    assert f1_normal_at_percentile(y, perfect) == pytest.approx(2 * 0.625 / 1.625)
    reversed_ = -perfect  # anomalies least anomalous: 5 anomalies + 3 normals called normal
    assert f1_normal_at_percentile(y, reversed_) == pytest.approx(
        2 * (3 / 8) * (3 / 5) / (3 / 8 + 3 / 5)
    )
    assert f1_by_rule(y, perfect, "normal_at_p20") == f1_normal_at_percentile(y, perfect)
    # tied scores: the 20th percentile equals the lowest normality, so every row is called normal
    assert f1_normal_at_percentile(y, y.astype(float)) == pytest.approx(2 * 0.5 / 1.5)
    assert f1_by_rule(y, perfect) == 1.0  # the default rule: anomaly class at the true rate
    assert evaluate(y, perfect, f1_rule="normal_at_p20")["f1"] == pytest.approx(0.769, abs=1e-3)
    with pytest.raises(ValueError, match="unknown F1 rule"):
        f1_by_rule(y, perfect, "macro")
    with pytest.raises(ValueError, match="contamination applies only"):
        evaluate(y, perfect, 0.2, f1_rule="normal_at_p20")
    with pytest.raises(ValueError, match="percentile"):
        f1_normal_at_percentile(y, perfect, 100.0)
