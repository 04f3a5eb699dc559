"""Each paper's registered section functions and dataset builders, one module per paper (and its
figures); importing this package registers them all."""

from anomalab.reproductions.sections import anorand, devnet, novnorm, plad, sgae, sgae_figures

__all__ = ["anorand", "devnet", "novnorm", "plad", "sgae", "sgae_figures"]
