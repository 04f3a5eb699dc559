"""A progress bar over the candidates that :func:`anomalab.select` cross-validates."""

from __future__ import annotations

from collections.abc import Callable


class progress_bar:
    """A rich progress bar over the candidates (or nothing), advanced by name."""

    def __init__(self, show: bool, total: int) -> None:
        self.show, self.total = show, total

    def __enter__(self) -> Callable[[str], None]:
        if not self.show:
            return lambda name: None
        from rich.progress import Progress

        self.bar = Progress(transient=True)
        self.bar.start()
        task = self.bar.add_task("cross-validating candidates", total=self.total)
        return lambda name: self.bar.update(task, advance=1, description=f"done: {name}")

    def __exit__(self, *exc: object) -> None:
        if self.show:
            self.bar.stop()
