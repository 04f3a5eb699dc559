"""The package's import structure: no import cycle between anomalab's modules, and the layers
declared for import-linter in ``pyproject.toml`` (cli > bench > detectors > base > nn > ...) hold.

Both read the static import graph (grimp), so an import inside a function counts like one at the
top of a module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from copy import deepcopy
from pathlib import Path

import grimp
import pytest

import anomalab

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(anomalab.__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("anomalab", cache_dir=None)  # no cache folder in the checkout


def import_cycles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """One shortest cycle per direct import that lies on a cycle: (a, b, ..., a)."""
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                cycles.append((importer, *back))
    return cycles


def test_the_graph_is_anomalabs(graph: grimp.ImportGraph) -> None:
    """The graph holds the package's real modules and their imports (no vacuous pass below)."""
    assert {"anomalab.base", "anomalab.bench.runner", "anomalab.detectors.sgae"} <= graph.modules
    assert graph.direct_import_exists(
        importer="anomalab.detectors.score_guided", imported="anomalab.base"
    )
    assert graph.direct_import_exists(
        importer="anomalab.detectors.sgae", imported="anomalab.registry"
    )


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    cycles = import_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_cycle_finder_sees_a_cycle(graph: grimp.ImportGraph) -> None:
    """The check above can fail: one import from the registry back to a detector closes a
    cycle."""
    copy = deepcopy(graph)
    copy.add_import(importer="anomalab.registry", imported="anomalab.detectors.sgae")
    assert ("anomalab.detectors.sgae", "anomalab.registry", "anomalab.detectors.sgae") in (
        import_cycles(copy)
    )


def test_import_linter_contracts_are_kept() -> None:
    """``lint-imports`` (the Makefile's lint and test targets run it too) passes."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command as main; main()",
            str(ROOT / "pyproject.toml"),
            "--no-cache",
            "--no-logo",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(SRC), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_importing_the_registry_alone_registers_the_built_in_detectors() -> None:
    """The registry imports no detector: ``anomalab/__init__`` (run before any submodule)
    imports ``anomalab.detectors``, which registers them."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from anomalab.registry import list_detectors; print(' '.join(list_detectors()))",
        ],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert {"SGAE", "DevNet", "PLAD", "AnoRand", "NovNorm"} <= set(done.stdout.split())
