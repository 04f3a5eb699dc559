"""Each paper's registered section functions and dataset builders, one module per paper;
importing this package registers them all."""

from anomalab.reproductions.sections import anorand

__all__ = ["anorand"]
