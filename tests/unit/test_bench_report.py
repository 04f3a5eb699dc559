"""The report: rank statistics, published targets, Markdown + HTML built from a real small run."""

import math

import numpy as np
import pandas as pd
import pytest

from anomalab.bench import stats
from anomalab.bench.report import build_report, protocol_groups, write_report
from anomalab.bench.runner import expand_grid, run_cells
from anomalab.bench.store import ResultStore
from anomalab.bench.targets import published_name, published_table, setting_of

# Demšar (2006), Table 5(a): q_0.05 for the two-tailed Nemenyi test (published constants).
DEMSAR_Q05 = {2: 1.960, 3: 2.343, 4: 2.569, 5: 2.728, 6: 2.850, 10: 3.164}


@pytest.mark.parametrize("k", sorted(DEMSAR_Q05))
def test_nemenyi_q_matches_demsar_table(k) -> None:
    assert stats.nemenyi_q(k) == pytest.approx(DEMSAR_Q05[k], abs=1e-3)


def test_critical_difference_formula_and_cliques() -> None:
    cd = stats.critical_difference(4, 10)
    assert cd == pytest.approx(2.569 * math.sqrt(4 * 5 / 60), abs=1e-3)
    ranks = pd.Series({"a": 1.0, "b": 1.5, "c": 3.0, "d": 3.2})
    assert stats.cliques(ranks, 1.0) == [["a", "b"], ["c", "d"]]
    assert stats.cliques(ranks, 5.0) == [["a", "b", "c", "d"]]


def test_average_ranks_ties_and_friedman_matches_scipy() -> None:
    from scipy.stats import friedmanchisquare

    rng = np.random.default_rng(0)
    table = pd.DataFrame(rng.random((8, 3)), columns=["x", "y", "z"])
    table.loc[0] = [0.9, 0.9, 0.1]  # a tie: both get rank 1.5
    ranks = stats.average_ranks(table)
    assert ranks.sum() == pytest.approx(6.0)  # ranks 1..3 always sum to 6 per row
    manual = table.rank(axis=1, ascending=False).mean()
    assert ranks.to_dict() == pytest.approx(manual.to_dict())
    comparison = stats.compare(table)
    expected = friedmanchisquare(*(table[c] for c in table))
    assert comparison.friedman_p == pytest.approx(expected.pvalue)
    assert comparison.cd == pytest.approx(stats.critical_difference(3, 8))
    with pytest.raises(ValueError, match="at least|>= 2"):
        stats.compare(table[["x"]])


def test_targets_map_protocols_and_names(data_root) -> None:
    assert setting_of("unsupervised", {}) == "unsup"
    assert setting_of("semi_supervised", {"ratio": 0.05}) == "rla5pct"
    assert setting_of("semi_supervised", {"ratio": 0.1}) == "rla10pct"
    assert setting_of("adbench_semi", {"ratio": 0.01}) == "rla1pct"
    assert setting_of("semi_supervised", {"n_labeled": 5}) is None
    assert setting_of("one_class", {}) is None
    d4 = published_table("unsupervised", {}, "auc_roc", data_root)
    assert d4 is not None and d4.table == "D4"
    assert 0 < d4.frame.loc["cardio", "IForest"] <= 1  # stored as fractions, not percent
    assert published_name("PyOD-KNN", d4) == "KNN"
    assert published_name("IForest", d4) == "IForest"
    assert published_name("AutoEncoder", d4) is None
    d9 = published_table("semi_supervised", {"ratio": 0.05}, "auc_pr", data_root)
    assert d9 is not None and d9.table == "D9"
    assert published_name("DevNet", d9) == "DevNet"


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, data_root):
    """A real run: three fast detectors on three small datasets, two seeds, two protocols."""
    out = tmp_path_factory.mktemp("report")
    store = ResultStore(out / "results.sqlite")
    detectors = [("IForest", {"n_estimators": 50}), ("LOF", {}), ("OCSVM", {})]
    cells = expand_grid(detectors, ["WBC", "Pima", "vertebral"], "unsupervised", [0, 1])
    cells += expand_grid(
        [("IForest", {"n_estimators": 50})],
        ["WBC", "Pima"],
        "semi_supervised",
        [0],
        {"ratio": 0.05},
    )
    summary = run_cells(cells, store, data_root=data_root)
    assert summary.failed == 0
    return out, store.frame(), data_root


def test_report_groups_protocol_params_and_shows_published(small_run) -> None:
    out, results, data_root = small_run
    groups = protocol_groups(results)
    assert [(p, params) for p, params, _ in groups] == [
        ("semi_supervised", {"ratio": 0.05}),
        ("unsupervised", {}),
    ]
    _, sections = build_report(results, "t", data_root=data_root)
    titles = [s.title for s in sections]
    assert "semi_supervised (ratio=0.05)" in titles and "unsupervised" in titles
    assert titles.count("Critical-difference diagram (Friedman + Nemenyi)") == 2
    assert titles.count("Published numbers beside ours") == 2


def test_markdown_and_html_reports(small_run) -> None:
    out, results, data_root = small_run
    md = write_report(results, out, "small run", "anomalab bench ...", data_root)
    text = md.read_text()
    for heading in (
        "## unsupervised",
        "### Critical-difference diagram",
        "### Box plots per detector",
        "### AUC-ROC per dataset (mean +- std over seeds)",
        "### Published numbers beside ours",
        "## Fit and score time per detector",
        "## Environment",
    ):
        assert heading in text
    assert "AUC-ROC published" in text and "**OCSVM**" in text
    images = [line for line in text.splitlines() if line.startswith("![")]
    for line in images:
        assert (out / line.rsplit("(", 1)[1].rstrip(")")).is_file()
    page = (out / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == len(images) >= 6
    assert "<script" in page and "http" not in page.split("<script")[1]  # nothing fetched
    assert page.count("<table") == text.count("\n|:") and "<th>avg_rank</th>" in page
    for name in ("IForest", "LOF", "OCSVM"):
        assert f"<th>{name}</th>" in page


def test_report_explains_the_winners_top_rows(small_run) -> None:
    out, results, data_root = small_run
    _, sections = build_report(results, "t", data_root=data_root)
    explained = [s for s in sections if s.title == "Why the top-scored test rows are flagged"]
    assert len(explained) == 2  # one per protocol group
    for section in explained:
        kinds = [kind for kind, _ in section.blocks]
        assert kinds == ["text", "figure"], section.blocks
        figure = section.blocks[1][1]
        assert figure.png.startswith(b"\x89PNG") and figure.name.startswith("explain-")
    assert "Pima" in explained[0].blocks[0][1]  # the first dataset by name
