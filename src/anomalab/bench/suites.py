"""Benchmark suites: TOML files naming detectors (with params), datasets, protocol and seeds.

Built-in suites (:func:`suite_resource`): the general ones in ``anomalab/bench/suites/*.toml``
(smoke, quick, adbench-unsup, adbench-semi, and the selection's evaluation), the presets report's
in ``anomalab/bench/presets_report/suites/``, and each paper's parts in
``anomalab/reproductions/specs/<paper>/parts/`` (read as data: nothing is imported from there);
``--config FILE`` reads a user's own in the same format. A detector entry is a name (default params), a table
``{name = ..., params = {...}, label = ...}`` (``params.search = {lr = [...], ...}`` picks those
values on a stratified hold-out of the training part,
:class:`anomalab.model_selection.HoldoutSearch`), or a group: ``@registered`` (every registered
detector that fits the protocol and tabular data, default params) or ``@registered-fast`` (the same
with their tiny-epoch ``fast_params``). A dataset entry is a catalog name or a group: ``@tabular``
(every tabular dataset in the catalog), ``@<group>`` (a catalog group: ``@adbench``, ``@odds``,
``@devnet``, ``@sgae``, ``@embeddings``, ``@images``) or a half of ADBench (``@adbench-dev``,
``@adbench-confirm``: :func:`adbench_halves`) or of the second round's fresh datasets
(``@round2-dev``, ``@round2-confirm``: :func:`round2_halves`). ``protocol_params`` is one
table, or an array of tables to run the grid under each (e.g. ADBench's 1 %, 5 %, 10 % labeled). ``preset`` (a suite
key) pins that preset for every registered-detector entrant that does not name its own: every
paper suite pins ``"paper"``; without it the detectors' default (``"recommended"``) applies.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from anomalab.bench.cells import COMPOSITES, Cell, expand_grid
from anomalab.entrants import check_entrant_name
from anomalab.peers import PEERS
from anomalab.presets import check_preset
from anomalab.registry import detector_specs

#: Which supervision kinds can run under which protocol.
COMPATIBLE: dict[str, tuple[str, ...]] = {
    "unsupervised": ("unsupervised", "one-class"),
    "validation": ("unsupervised", "one-class"),
    "one_class": ("unsupervised", "one-class"),
    "image_one_class": ("unsupervised", "one-class"),
    "semi_supervised": ("unsupervised", "one-class", "semi-supervised", "supervised"),
}


@dataclass
class Suite:
    """A declared benchmark grid."""

    name: str
    description: str
    protocol: str
    datasets: list[str]
    detectors: list[tuple[str, dict[str, Any], str]]
    seeds: list[int]
    protocol_grid: list[dict[str, Any]] = field(default_factory=lambda: [{}])

    @property
    def labels(self) -> list[str]:
        """The entrants' labels, in the suite's order."""
        return [label for _, _, label in self.detectors]

    def restrict(
        self,
        *,
        labels: Iterable[str] | None = None,
        seeds: Iterable[int] | None = None,
        datasets: Iterable[str] | None = None,
        protocol_updates: dict[str, Any] | None = None,
    ) -> Suite:
        """A copy keeping the entrants whose label is in ``labels`` (in the suite's order), with
        ``seeds`` / ``datasets`` replaced and ``protocol_updates`` merged into every protocol
        setting (e.g. a smaller ``max_rows``). The suite itself is left as it is. A label that no
        entrant has is an error."""
        keep = None if labels is None else set(_rejoined(list(labels), set(self.labels)))
        unknown = (keep or set()) - set(self.labels)
        if unknown:
            raise ValueError(
                f"suite {self.name!r} has no entrant labelled {sorted(unknown)}; "
                f"its labels: {self.labels}"
            )
        return replace(
            self,
            detectors=[d for d in self.detectors if keep is None or d[2] in keep],
            seeds=list(self.seeds if seeds is None else seeds),
            datasets=list(self.datasets if datasets is None else datasets),
            protocol_grid=[{**p, **(protocol_updates or {})} for p in self.protocol_grid],
        )

    def with_preset(self, preset: str) -> Suite:
        """A copy whose registered-detector entrants that name no preset run ``preset``."""
        return replace(self, detectors=pin_preset(self.detectors, preset))

    def cells(self) -> list[Cell]:
        return [
            cell
            for params in self.protocol_grid
            for cell in expand_grid(
                self.detectors, self.datasets, self.protocol, self.seeds, params
            )
        ]


def _rejoined(pieces: list[str], known: set[str]) -> list[str]:
    """Labels from a comma-separated list (``--labels``) whose own labels may hold ", ": the
    longest run of pieces that joins into a known label is one label."""
    out, i = [], 0
    while i < len(pieces):
        j = next((j for j in range(len(pieces), i, -1) if ", ".join(pieces[i:j]) in known), i + 1)
        out.append(", ".join(pieces[i:j]))
        i = j
    return out


def _suite_folders() -> list[Any]:
    """Where built-in suites live: general, the presets report's, each paper's parts."""
    root = resources.files("anomalab")
    specs = root / "reproductions" / "specs"
    papers = sorted((p for p in specs.iterdir() if (p / "parts").is_dir()), key=lambda p: p.name)
    return [root / "bench" / "suites", root / "bench" / "presets_report" / "suites"] + [
        p / "parts" for p in papers
    ]


def _built_in() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for folder in _suite_folders():
        for path in folder.iterdir():
            if path.name.endswith(".toml"):
                name = path.name[: -len(".toml")]
                if name in found:
                    raise RuntimeError(f"two built-in suites are named {name!r}")
                found[name] = path
    return found


def suite_names() -> list[str]:
    """Names of the built-in suites."""
    return sorted(_built_in())


def suite_resource(name: str) -> Any | None:
    """The TOML resource of the built-in suite ``name`` (None if there is none)."""
    return _built_in().get(name)


def adbench_halves(data_root: Any = None) -> tuple[list[str], list[str]]:
    """The fixed development / confirmation split of the catalog's ADBench datasets: in order of
    their ADBench number, alternately one to each half, the first to development."""
    from anomalab.data import catalog

    names = [i.name for i in catalog(data_root).values() if i.group == "adbench"]
    return names[0::2], names[1::2]


#: Catalog groups of the second round's fresh datasets (never used by the first round).
ROUND2_GROUPS = ("odds", "devnet", "sgae", "embeddings")
#: Left out of the second round: DevNet's copy of the thyroid data, which the development half
#: already holds as ADBench's thyroid.
ROUND2_EXCLUDED = ("thyroid-devnet",)


def round2_halves(data_root: Any = None) -> tuple[list[str], list[str]]:
    """The second round's fixed development / confirmation split, made before its first run:
    the catalog's tabular datasets outside ADBench (groups :data:`ROUND2_GROUPS`, less
    :data:`ROUND2_EXCLUDED`) in catalog order, alternately one to each half, the first to
    development."""
    from anomalab.data import catalog

    names = [
        i.name
        for i in catalog(data_root).values()
        if i.group in ROUND2_GROUPS and i.name not in ROUND2_EXCLUDED
    ]
    return names[0::2], names[1::2]


HALVES = {
    "adbench-dev": (adbench_halves, 0),
    "adbench-confirm": (adbench_halves, 1),
    "round2-dev": (round2_halves, 0),
    "round2-confirm": (round2_halves, 1),
}


def pin_preset(detectors: list[tuple], preset: str | None) -> list[tuple]:
    """``detectors`` with ``preset`` in the params of every registered detector that names none
    (peers have no presets); ``None`` leaves them as they are."""
    if preset is None:
        return detectors
    check_preset(preset)
    return [
        (
            name,
            params
            if name in PEERS or name in COMPOSITES or "preset" in params
            else {"preset": preset, **params},
            label,
        )
        for name, params, label in detectors
    ]


def _expand_detectors(
    entries: list[Any], protocol: str, data_kind: str, preset: str | None = None
) -> list[tuple]:
    return pin_preset(_expand_entries(entries, protocol, data_kind), preset)


def _expand_entries(entries: list[Any], protocol: str, data_kind: str) -> list[tuple]:
    allowed = COMPATIBLE.get(protocol)
    out: list[tuple[str, dict[str, Any], str]] = []
    for entry in entries:
        if isinstance(entry, str) and entry in ("@registered", "@registered-fast"):
            for spec in detector_specs(data_kind=data_kind):
                if allowed is None or spec.supervision in allowed:
                    params = dict(spec.fast_params) if entry.endswith("-fast") else {}
                    out.append((spec.name, params, spec.name))
            continue
        if isinstance(entry, str):
            name, params, label = entry, {}, entry
        elif isinstance(entry, dict) and "name" in entry:
            name, params = str(entry["name"]), dict(entry.get("params", {}))
            label = str(entry.get("label", name))
        else:
            raise ValueError(
                f"suite detector entry must be a name or a table with 'name': {entry!r}"
            )
        if name not in COMPOSITES:
            name = check_entrant_name(name)  # validates (naming the peers too) and normalises
        out.append((name, params, label))
    return out


def _expand_datasets(entries: list[Any], data_root: Any) -> list[str]:
    out: list[str] = []
    for entry in entries:
        entry = str(entry)
        if not entry.startswith("@"):
            out.append(entry)
            continue
        from anomalab.data import catalog

        group = entry[1:]
        infos = catalog(data_root).values()
        if group in HALVES:
            split, half = HALVES[group]
            names = split(data_root)[half]
        elif group == "tabular":
            names = [i.name for i in infos if i.kind == "tabular"]
        else:
            names = [i.name for i in infos if i.group == group]
        if not names:
            raise ValueError(f"dataset group {entry!r} matches no dataset in the catalog")
        out.extend(n for n in names if n not in out)
    return out


def suite_from_dict(name: str, raw: dict[str, Any], data_root: Any = None) -> Suite:
    """Build a suite from parsed TOML, validating its fields."""
    missing = {"protocol", "datasets", "detectors"} - set(raw)
    if missing:
        raise ValueError(f"suite {name!r} lacks {sorted(missing)}")
    seeds = raw.get("seeds", 3)
    seed_list = list(range(int(seeds))) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not seed_list:
        raise ValueError(
            f"suite {name!r}: seeds must be at least 1 (or a non-empty list), got {seeds!r}"
        )
    protocol = str(raw["protocol"])
    return Suite(
        name=name,
        description=str(raw.get("description", "")),
        protocol=protocol,
        datasets=_expand_datasets(list(raw["datasets"]), data_root),
        detectors=_expand_detectors(
            list(raw["detectors"]), protocol, raw.get("data_kind", "tabular"), raw.get("preset")
        ),
        seeds=seed_list,
        protocol_grid=_protocol_grid(raw.get("protocol_params", {})),
    )


def _protocol_grid(raw: Any) -> list[dict[str, Any]]:
    if isinstance(raw, dict):
        return [dict(raw)]
    if isinstance(raw, list) and raw and all(isinstance(r, dict) for r in raw):
        return [dict(r) for r in raw]
    raise ValueError(f"protocol_params must be a table or an array of tables, got {raw!r}")


def load_suite(name_or_path: str | Path, data_root: Any = None) -> Suite:
    """A built-in suite by name, or a suite TOML file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml":
        if not path.is_file():
            raise ValueError(f"suite file {path} does not exist")
        return suite_from_dict(path.stem, tomllib.loads(path.read_text()), data_root)
    resource = suite_resource(str(name_or_path))
    if resource is None:
        raise ValueError(
            f"unknown suite {str(name_or_path)!r}: built-in suites are {', '.join(suite_names())}; "
            "or pass a TOML file with --config"
        )
    return suite_from_dict(str(name_or_path), tomllib.loads(resource.read_text()), data_root)
