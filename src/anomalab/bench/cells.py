"""One benchmark cell: what it is (detector + params, dataset, protocol + params, seed), its key
in the store, and how it runs into a store row.

The runner (``runner.py``: serially or in local worker processes) and the Dask backend
(``distributed.py``) both run cells through :func:`run_cell_dict`.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import platform
import time
import traceback
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import torch

from anomalab.base import BaseDetector
from anomalab.bench.environment import package_version
from anomalab.ensemble import RankEnsemble
from anomalab.entrants import build_detector
from anomalab.metrics import evaluate
from anomalab.peers import PEERS
from anomalab.registry import get_spec
from anomalab.selection import SelectedDetector
from anomalab.selection.choose import LABELED_CANDIDATES, RULE_REVISIONS

#: Entrants built from other detectors (their params name the members or the candidates).
COMPOSITES: dict[str, type[BaseDetector]] = {
    "RankEnsemble": RankEnsemble,
    "Select": SelectedDetector,
}


@dataclass(frozen=True)
class Cell:
    """One benchmark run: detector with params on a dataset under a protocol, for one seed."""

    detector: str
    dataset: str
    protocol: str
    seed: int
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    protocol_params: dict[str, Any] = field(default_factory=dict, hash=False)
    label: str | None = None  # display name of the entrant (defaults to ``detector``)

    @property
    def name(self) -> str:
        return self.label or self.detector

    @property
    def on_images(self) -> bool:
        """Whether the cell's protocol hands the detector images (its registered data kind)."""
        from anomalab.data.protocols import PROTOCOLS

        registered = PROTOCOLS.get(self.protocol)
        return registered is not None and registered.data_kind == "image"

    @property
    def key(self) -> str:
        """A stable hash of everything that defines the cell's result (params in the form of
        :func:`key_params`)."""
        payload = json.dumps(
            {
                "detector": self.detector,
                "params": key_params(self.detector, self.params, image=self.on_images),
                "dataset": self.dataset,
                "protocol": self.protocol,
                "protocol_params": self.protocol_params,
                "seed": self.seed,
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha1(payload.encode()).hexdigest()


def recommended_revision(cls: type[BaseDetector], image: bool = False) -> int:
    """The revision of ``cls``'s recommended rules for tabular data, or for images where the
    class versions its image rules on their own (``recommended_image_revision``)."""
    own = getattr(cls, "recommended_image_revision", None)
    return int(own) if image and own is not None else int(cls.recommended_revision)


def key_params(detector: str, params: dict[str, Any], image: bool = False) -> dict[str, Any]:
    """``params`` as a cell key reads them: a registered detector's preset made explicit (a cell
    that names none runs the class default), except ``"paper"``, which the key leaves out -- every
    cell stored before presets existed ran the paper's settings, and its key stays valid. A
    recommended preset past its first revision adds ``preset_revision`` (its rules changed).

    A cell may pin ``preset_revision`` itself: it then records a recommended preset as it was at
    that revision (a development table keeps the cells its decisions were made on). Its key is
    that revision's; such a cell can be read from a store, not run by code at another revision
    (:func:`check_runnable`). ``image``: the cell hands the detector images (its revision is
    :func:`recommended_revision`'s for images)."""
    if detector == "RankEnsemble":
        revisions = member_revisions(params)
        return {**params, "member_revisions": revisions} if revisions else params
    if detector == "Select":
        return {**params, **select_revisions(params)}
    if detector in PEERS or detector in COMPOSITES:
        return params
    cls = get_spec(detector).cls
    default = inspect.signature(cls.__init__).parameters.get("preset")
    if default is None:
        return params
    out = dict(params)
    preset = out.pop("preset", default.default)
    revision = int(out.pop("preset_revision", recommended_revision(cls, image)))
    if preset != "paper":
        out["preset"] = preset
        if revision > 1:
            out["preset_revision"] = revision
    return out


#: The recommended-preset revisions that every ensemble cell stored before members' revisions
#: entered the keys ran with (detectors not listed: 1). A member whose revision differs from its
#: entry here re-keys the ensemble's cells, so that a changed preset never reuses stale cells.
COMPOSITE_REVISION_BASE = {"AutoEncoder": 3, "SGAE": 2, "AnoRand": 2}


def member_revisions(params: dict[str, Any]) -> dict[str, int]:
    """The recommended-preset revisions of a :class:`RankEnsemble` cell's members that differ
    from :data:`COMPOSITE_REVISION_BASE` (members on the paper preset and peers have none)."""
    out = {}
    member_params = params.get("member_params") or {}
    for name in params.get("members", ()):
        if name in PEERS:
            continue
        cls = get_spec(name).cls
        default = inspect.signature(cls.__init__).parameters.get("preset")
        own = member_params.get(name) or {}
        if default is None or own.get("preset", default.default) == "paper":
            continue
        revision = cls.recommended_revision
        if revision != COMPOSITE_REVISION_BASE.get(name, 1):
            out[name] = revision
    return out


def select_revisions(params: dict[str, Any]) -> dict[str, Any]:
    """What a ``Select`` cell's key adds so that a changed rule or candidate never reuses its
    stored result: the selection rules' revisions past those every stored Select cell ran with
    (:data:`~anomalab.selection.choose.RULE_REVISIONS` against their first), and the candidates'
    recommended-preset revisions that differ from :data:`COMPOSITE_REVISION_BASE`."""
    out: dict[str, Any] = {}
    rules = {mode: r for mode, r in RULE_REVISIONS.items() if r != SELECT_REVISION_BASE[mode]}
    if rules:
        out["rule_revisions"] = rules
    names = params.get("candidates") or LABELED_CANDIDATES
    revisions = member_revisions({"members": list(names)})
    if revisions:
        out["candidate_revisions"] = revisions
    return out


#: The selection rules' revisions that every Select cell stored before they entered its key ran
#: with. ``unlabeled``: none of those cells ran the unlabeled rule (each chose on labels, or
#: failed for too few of them), so they hold for its revision 2 as well.
SELECT_REVISION_BASE = {"labeled": 1, "unlabeled": 2}


def pinned_revision_mismatch(cell: Cell) -> str | None:
    """Why ``cell`` cannot run here (it pins a recommended-preset revision that this code's
    detector is not at), or None."""
    pinned = cell.params.get("preset_revision")
    if pinned is None or cell.detector in PEERS or cell.detector in COMPOSITES:
        return None
    current = recommended_revision(get_spec(cell.detector).cls, cell.on_images)
    if int(pinned) == current:
        return None
    return (
        f"cell {cell.name!r} on {cell.dataset!r} (seed {cell.seed}) records revision {pinned} of "
        f"{cell.detector}'s recommended preset, and this code is at revision {current}: it can "
        "be read from a store (anomalab results restore), not run"
    )


def check_runnable(cells: Iterable[Cell]) -> None:
    """Refuse, in one line, cells that this code cannot run as their key says."""
    for cell in cells:
        reason = pinned_revision_mismatch(cell)
        if reason is not None:
            raise ValueError(reason)


def expand_grid(
    detectors: Sequence[tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], str]],
    datasets: Sequence[str],
    protocol: str,
    seeds: Iterable[int],
    protocol_params: dict[str, Any] | None = None,
) -> list[Cell]:
    """All cells of detectors x datasets x seeds under one protocol (dataset-major order)."""
    cells = []
    for dataset in datasets:
        for seed in seeds:
            for entry in detectors:
                name, params = entry[0], entry[1]
                label = entry[2] if len(entry) > 2 else None
                cells.append(
                    Cell(
                        detector=name,
                        dataset=dataset,
                        protocol=protocol,
                        seed=int(seed),
                        params=dict(params),
                        protocol_params=dict(protocol_params or {}),
                        label=label,
                    )
                )
    return cells


def make_entrant(
    name: str, params: dict[str, Any], seed: int, device: str | None = None
) -> BaseDetector:
    """A fresh detector (anomalab registry) or peer adapter, seeded with the cell's seed.

    ``params["search"]`` (a mapping parameter -> values) is not passed to the detector: it wraps
    the detector in :class:`anomalab.model_selection.HoldoutSearch`, which picks those values on
    a stratified hold-out of the training part (needs labeled anomalies). ``device`` (the run's
    ``--device``) replaces the ``device`` parameter of a detector that has one (peers and
    composites have none); it is no cell parameter, so the cell's key does not change."""
    params = dict(params)
    search = params.pop("search", None)
    params.pop("preset_revision", None)  # a key field (checked by check_runnable)
    if name in COMPOSITES:
        detector = COMPOSITES[name](**{"random_state": seed, **params})
    else:
        detector = build_detector(name, params, seed)
    _place(detector, device)
    if search is None:
        return detector
    from anomalab.model_selection import HoldoutSearch

    return _place(HoldoutSearch(detector, search, random_state=seed), device)


def _place(detector: BaseDetector, device: str | None) -> BaseDetector:
    """``detector`` with its ``device`` parameter set to ``device`` (if given and it has one)."""
    if device is not None and "device" in detector.get_params(deep=False):
        detector.set_params(device=device)
    return detector


def device_used(detector: Any) -> str | None:
    """The device a fitted entrant's model ran on (``device_``, or that of a hold-out search's
    refitted winner); None for detectors without one (peers, composites)."""
    for candidate in (detector, getattr(detector, "best_estimator_", None)):
        device = getattr(candidate, "device_", None)
        if device is not None:
            return str(device)
    return None


def library_versions(detector: str) -> dict[str, str]:
    """Versions that a cell's result depends on."""
    names = ["numpy", "scikit-learn", "torch"]
    if detector in PEERS:
        names.append(PEERS[detector].library)
    if detector in COMPOSITES:
        names.append("pyod")
    versions = {"anomalab": package_version("anomalab"), "python": platform.python_version()}
    versions.update({n: package_version(n) for n in names})
    return {k: v or "not installed" for k, v in versions.items()}


#: A cell's protocol parameter that the data layer takes instead of the protocol: the label
#: column of a user's table (``anomalab bench --label-column``).
LABEL_COLUMN = "label_column"


@lru_cache(maxsize=4)
def _dataset(name: str, data_root: str | None, label_column: str | None = None) -> Any:
    from anomalab.data import load_dataset

    return load_dataset(name, data_root, label_column=label_column)


def cell_data(cell: Cell, data_root: Any) -> tuple[Any, Any]:
    """The cell's dataset and its task (the protocol's split for the cell's seed)."""
    from anomalab.data import make_task

    params = dict(cell.protocol_params)
    label_column = params.pop(LABEL_COLUMN, None)
    root = None if data_root is None else str(data_root)
    dataset = _dataset(cell.dataset, root, label_column)
    return dataset, make_task(dataset, cell.protocol, cell.seed, **params)


def _row(cell: Cell) -> dict[str, Any]:
    return {
        "cell_key": cell.key,
        "detector": cell.name,
        "params": {"detector": cell.detector, **cell.params},
        "dataset": cell.dataset,
        "protocol": cell.protocol,
        "protocol_params": cell.protocol_params,
        "seed": cell.seed,
        "versions": library_versions(cell.detector),
    }


def failed_row(cell: Cell, exc: BaseException) -> dict[str, Any]:
    """The store row of a cell that failed with ``exc`` (also for a lost worker)."""
    row = _row(cell)
    row["status"] = "failed"
    row["error"] = f"{type(exc).__name__}: {exc}\n" + "".join(
        traceback.format_exception(exc, limit=-3)
    )
    row["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return row


def run_cell(
    cell: Cell,
    data_root: str | None = None,
    tracking: dict[str, str] | None = None,
    device: str | None = None,
) -> dict[str, Any]:
    """Run one cell and return its store row; any exception becomes a failed row.

    ``tracking`` (``{"uri": ..., "experiment": ...}``) logs the cell to MLflow as well.
    ``device`` runs the entrant there (:func:`make_entrant`); a model that ran on another device
    than the CPU records it in the row's ``versions`` (``"device"``), so the rows of CPU runs,
    before and after the option existed, read alike; so does a cell run on more than one torch
    thread (``"torch_threads"``).
    """
    row = _row(cell)
    detector = None
    # Warnings (mostly from peer libraries) are kept off the terminal, where they would break the
    # progress bar; a failed cell's error lists them, since they often tell why it failed.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _, task = cell_data(cell, data_root)
            detector = make_entrant(cell.detector, cell.params, cell.seed, device)
            start = time.perf_counter()
            if task.X_val is not None and getattr(detector, "supports_validation", False):
                detector.fit(task.X_train, task.y_train, validation=(task.X_val, task.y_val))
            else:
                detector.fit(task.X_train, task.y_train)
            row["fit_seconds"] = time.perf_counter() - start
            used = device_used(detector)
            if used is not None and used != "cpu":
                row["versions"] = {**row["versions"], "device": used}
            threads = torch.get_num_threads()  # a chaotic training's result can depend on it
            if threads != 1:
                row["versions"] = {**row["versions"], "torch_threads": threads}
            if hasattr(detector, "best_params_"):  # HoldoutSearch: what the hold-out chose
                row["params"] = {**row["params"], "selected": detector.best_params_}
            if hasattr(detector, "selection_"):  # Select: the detector(s) it chose, and why
                ranking = detector.selection_.ranking
                mean = next(c for c in ranking.columns if c.endswith("_mean"))  # AUC-PR or -ROC
                scored = ranking.dropna(subset=[mean])
                row["params"] = {
                    **row["params"],
                    "selected": list(detector.selection_.choice),
                    "ranking": dict(
                        zip(scored["candidate"].astype(str), scored[mean].round(6), strict=True)
                    ),
                }
            start = time.perf_counter()
            scores = detector.decision_function(task.X_test)
            row["score_seconds"] = time.perf_counter() - start
            row.update(evaluate(task.y_test, scores, f1_rule=task.f1_rule))
            row["status"] = "ok"
        except Exception as exc:  # a failed cell is recorded, the run goes on
            row = failed_row(cell, exc)
            seen = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
            if seen:
                row["error"] += "warnings before the failure:\n" + "\n".join(seen[:10])
    row["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    if tracking:
        from anomalab.bench.tracking import log_cell

        log_cell(tracking, row, detector if row["status"] == "ok" else None)
    return row


def run_cell_dict(
    cell: dict[str, Any],
    data_root: str | None,
    tracking: dict[str, str] | None = None,
    device: str | None = None,
) -> dict[str, Any]:
    """:func:`run_cell` on a cell given as a dict (``dataclasses.asdict``): what a worker process
    or a Dask worker receives."""
    return run_cell(Cell(**cell), data_root, tracking, device)
