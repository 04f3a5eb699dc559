"""Write ``src/anomalab/data/sources.csv`` (what ``anomalab datasets fetch`` downloads) from a
reference data root, or check that file against one.

Each catalog dataset's files are hashed (SHA-256, read only) and paired with the public origin
below. The origins were checked byte for byte: the GitHub files by their git blob ids (equal to
``git hash-object`` of the reference files) at the pinned commits; MNIST and Fashion-MNIST by
the SHA-256 their mirrors publish, which differ from the reference copies (re-compressed: same
IDX bytes, checked for MNIST against the published sums of the decompressed files), so those rows
carry the origin's own hash too. The UCI diabetes zip could not be checked (``unverified``).

    PYTHONPATH=src python tools/build_fetch_sources.py --data-root ../shared/datasets
    PYTHONPATH=src python tools/build_fetch_sources.py --data-root ../shared/datasets --check
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from urllib.parse import quote

from anomalab.data.catalog import discover
from anomalab.data.fetch import COLUMNS, SOURCES_FILE, file_sha256
from anomalab.data.formats import source_files
from anomalab.data.paths import resolve_data_root

ADBENCH = "https://raw.githubusercontent.com/Minqi824/ADBench/3dac8221081e190f157d78e93bfa8867f90d0965/adbench/datasets"
ADREPO = "https://raw.githubusercontent.com/GuansongPang/ADRepository-Anomaly-detection-datasets/3361daccc4384a60025b6b684ccf55699decbed5"
PYOD = "https://raw.githubusercontent.com/yzhao062/pyod/34f7996effac700a5166d882d5e94c6e6078fae3/examples/data"
SGM = "https://raw.githubusercontent.com/urbanmobility/SGM/3c607a9714c682b55afcd11617b734f943f33732/data"
MNIST = "https://ossci-datasets.s3.amazonaws.com/mnist"
FASHION = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com"

# Published SHA-256 of the origins' files, where their bytes differ from the reference copies.
ORIGIN_SHA256 = {
    "images/mnist/train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "images/mnist/train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "images/mnist/t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "images/mnist/t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    "images/fashion-mnist/train-images-idx3-ubyte.gz": "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc",
    "images/fashion-mnist/train-labels-idx1-ubyte.gz": "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc",
    "images/fashion-mnist/t10k-images-idx3-ubyte.gz": "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229",
    "images/fashion-mnist/t10k-labels-idx1-ubyte.gz": "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf",
}
CIFAR_NOTE = (
    "no public origin: a JPEG q75 re-encoding of CIFAR-10 made for this project (the original "
    "archives hold different bytes)"
)


def origin(rel: str) -> tuple[str, str, str]:
    """(origin URL, licence, note) of a file at data-root path ``rel``; URL empty if none."""
    folder, name = rel.rsplit("/", 1)
    if folder == "tabular/adbench":
        return f"{ADBENCH}/Classical/{quote(name)}", "BSD-2-Clause (ADBench)", ""
    if folder == "embeddings/resnet18":
        return f"{ADBENCH}/CV_by_ResNet18/{quote(name)}", "BSD-2-Clause (ADBench)", ""
    if folder == "embeddings/bert":
        return f"{ADBENCH}/NLP_by_BERT/{quote(name)}", "BSD-2-Clause (ADBench)", ""
    if folder == "tabular/odds":
        return f"{PYOD}/{quote(name)}", "BSD-2-Clause (ODDS via PyOD)", ""
    if folder == "tabular/devnet":
        sub = "categorical data" if name.startswith("census") else "numerical data/DevNet datasets"
        licence = "GPL-3.0 repository (ADRepository), data from its original sources"
        return f"{ADREPO}/{quote(sub)}/{quote(name)}", licence, ""
    if rel == "tabular/sgae/market.csv":
        return f"{SGM}/market.csv", "MIT (SGM repository); UCI bank marketing, CC BY 4.0", ""
    if rel == "tabular/sgae/dataset_diabetes.zip":
        url = "https://archive.ics.uci.edu/ml/machine-learning-databases/00296/dataset_diabetes.zip"
        return url, "CC BY 4.0 (UCI)", "unverified: origin bytes not checked against this hash"
    if folder == "images/mnist":
        return f"{MNIST}/{name}", "CC BY-SA 3.0 (LeCun & Cortes)", "origin file re-compressed here"
    if folder == "images/fashion-mnist":
        return f"{FASHION}/{name}", "MIT (Zalando Research)", "origin file re-compressed here"
    if folder == "images/cifar10":
        return "", "CIFAR-10 (Krizhevsky), no licence stated", CIFAR_NOTE
    return "", "unknown", "no public origin registered"


def build_rows(root: Path) -> list[dict[str, str]]:
    """One row per file of every catalog dataset under ``root``."""
    rows = []
    for info in discover(root):
        for path in source_files(info.format, info.path):
            rel = path.relative_to(root).as_posix()
            url, licence, note = origin(rel)
            rows.append(
                {
                    "dataset": info.name,
                    "path": rel,
                    "size": str(path.stat().st_size),
                    "sha256": file_sha256(path),
                    "origin_url": url,
                    "origin_sha256": ORIGIN_SHA256.get(rel, ""),
                    "licence": licence,
                    "note": note,
                }
            )
    return rows


def render(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-root", help="reference data root (default: the catalog's)")
    parser.add_argument("--out", type=Path, default=SOURCES_FILE, help="CSV to write")
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    text = render(build_rows(resolve_data_root(args.data_root)))
    if args.check:
        same = args.out.is_file() and args.out.read_text() == text
        print(f"{args.out}: {'up to date' if same else 'OUT OF DATE'}")
        return 0 if same else 1
    args.out.write_text(text)
    print(f"wrote {args.out} ({text.count(chr(10)) - 1} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
