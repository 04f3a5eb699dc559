"""``docs/results/recommended.md``: why the seed methods lost on ordinary data, the recommended
presets chosen on the development half of ADBench, and their one confirmation on the other half
(``anomalab presets report``).

Each part runs (or resumes: stored cells are skipped) its suites into ``<runs>/<store>/``;
``probes`` refits seed-0 development cells to measure what the store does not keep and caches them
in ``recommended_probes.json`` beside the report; ``render_only`` runs nothing and renders what is
stored. The paper-preset check is ``tools/paper_presets_check.py``'s JSON, the stored-cell
re-check ``anomalab results recheck``'s.
"""

from __future__ import annotations

import json
from pathlib import Path

from anomalab.bench.presets_report.cells import PARTS, suite_frame
from anomalab.bench.presets_report.confirmation import (
    check_section,
    confirm_section,
    full_section,
    intro,
    quick_section,
    recheck_section,
)
from anomalab.bench.presets_report.development import dev_section, reversal_section
from anomalab.bench.presets_report.image_section import images_section
from anomalab.bench.presets_report.probes import run_probes
from anomalab.bench.presets_report.round2 import round2_section

#: Every part, in the order they run.
ALL_PARTS: tuple[str, ...] = (*PARTS, "probes")


def write_report(
    parts: set[str],
    jobs: int = 1,
    render_only: bool = False,
    runs: Path = Path("runs/recommended"),
    doc: Path = Path("docs/results/recommended.md"),
    evidence: Path | None = None,
) -> Path:
    """Run ``parts`` (unless ``render_only``), then write the report to ``doc``; the probes', the
    paper-preset check's and the re-check's JSON files are read from (and the probes written
    to) ``evidence``, by default ``doc``'s folder."""
    unknown = sorted(parts - set(ALL_PARTS))
    if unknown:
        raise ValueError(f"unknown part(s) {unknown}; parts: {', '.join(ALL_PARTS)}")
    folder = doc.parent if evidence is None else evidence
    probes_file = folder / "recommended_probes.json"
    frames = {
        name: suite_frame(name, jobs, run=part in parts and not render_only, runs=runs)
        for part, names in PARTS.items()
        for name in names
    }
    if "probes" in parts and not render_only:
        probes = run_probes(jobs, probes_file)
    else:
        probes = json.loads(probes_file.read_text())["rows"] if probes_file.is_file() else []
    text = [
        *intro(),
        *dev_section(frames, probes),
        *confirm_section(frames),
        *reversal_section(frames),
        *round2_section(frames),
        *full_section(frames),
        *quick_section(frames),
        *images_section(
            frames["image-baselines"],
            frames["plad-images-dev"],
            frames["novnorm-images-dev"],
            frames["image-recommended-confirm"],
            folder / "plad_image_diagnosis.json",
            frames["novnorm-host-dev"],
            [frames["novnorm-host-confirm"], frames["novnorm-host-confirm-colour"]],
        ),
        *check_section(folder / "paper_presets_check.json"),
        *recheck_section(folder / "recommended_recheck.json"),
    ]
    doc.write_text("\n".join(text).rstrip() + "\n", encoding="utf-8")
    return doc
