"""Choosing a detector for the user's data: on its labels, or on the benchmark's evidence."""

from anomalab.selection.choose import Selection, select
from anomalab.selection.detector import SelectedDetector
from anomalab.selection.evidence import Evidence, load_evidence
from anomalab.selection.meta import META_FEATURES, meta_features

__all__ = [
    "META_FEATURES",
    "Evidence",
    "SelectedDetector",
    "Selection",
    "load_evidence",
    "meta_features",
    "select",
]
