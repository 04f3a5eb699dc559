"""``python -m anomalab.cli``: the ``anomalab`` command line."""

from anomalab.cli import app

if __name__ == "__main__":
    app()
