"""Data layer: catalog of the data root, loaders, user tables and evaluation protocols.

>>> from anomalab.data import load_dataset, make_task
>>> task = make_task(load_dataset("cardio"), "semi_supervised", seed=0, n_labeled=10)
"""

from anomalab.data.catalog import catalog, discover, find_info
from anomalab.data.dataset import Dataset, DatasetInfo
from anomalab.data.load import load_dataset
from anomalab.data.paths import DataNotFoundError, cache_dir, resolve_data_root
from anomalab.data.protocols import PROTOCOLS, Task, make_task, register_protocol
from anomalab.data.tables import load_table

__all__ = [
    "PROTOCOLS",
    "DataNotFoundError",
    "Dataset",
    "DatasetInfo",
    "Task",
    "cache_dir",
    "catalog",
    "discover",
    "find_info",
    "load_dataset",
    "load_table",
    "make_task",
    "register_protocol",
    "resolve_data_root",
]
