"""anomalab: deep anomaly detection, faithful to the papers, usable like scikit-learn / PyOD."""

from anomalab._version import __version__
from anomalab.base import BaseDetector, TorchDetector
from anomalab.detectors import (
    DAGMM,
    PLAD,
    RDA,
    RSRAE,
    SGAE,
    SGDAGMM,
    SGRDA,
    SGRSRAE,
    AnoRand,
    AutoEncoder,
    DevNet,
    NovNorm,
)
from anomalab.ensemble import RankEnsemble
from anomalab.persistence import load
from anomalab.registry import (
    get_detector_class,
    list_detectors,
    make_detector,
    register,
)
from anomalab.selection import Selection, select

__all__ = [
    "AnoRand",
    "AutoEncoder",
    "BaseDetector",
    "DAGMM",
    "DevNet",
    "NovNorm",
    "PLAD",
    "RDA",
    "RSRAE",
    "RankEnsemble",
    "SGAE",
    "SGDAGMM",
    "SGRDA",
    "SGRSRAE",
    "Selection",
    "TorchDetector",
    "get_detector_class",
    "list_detectors",
    "load",
    "make_detector",
    "register",
    "select",
    "__version__",
]
