"""Evaluation protocols: a :class:`Dataset` + seed -> a :class:`Task` (train/test, labels, scaling).

Modules, by concept:

- ``registry``: ``register_protocol``, ``PROTOCOLS`` (name -> :class:`RegisteredProtocol`: the
  function and its metadata), ``make_task``; ``task``: the :class:`Task` record;
- ``splits``: train/test splits by the training labels they give (``unsupervised``,
  ``semi_supervised``, ``adbench_semi``, ``supervised``, ``validation``);
- ``one_class_splits``: tabular splits whose training part is normal only (``one_class``,
  ``goad_one_class``, ``drocc_one_class``);
- ``image_splits``: class-labeled image sets (``image_one_class``, ``image_multi_class``,
  ``image_multiclass_normal``);
- ``replay_devnet`` / ``replay_sgae``: exact replays of a paper's data pipeline (``devnet_paper``;
  ``sgae``, ``sgae_mnist``);
- ``_common``: the helpers they share.

Labels handed to detectors (``y_train``): 1 = labeled anomaly, 0 = unlabeled, -1 = labeled normal.
Scalers are fitted on the training part only. Every random choice uses the seed; global RNG state
is never touched, and the caller's Dataset arrays are never modified.

Add a protocol with::

    @register_protocol("my-protocol", supervision=LABEL_FREE, description="...")
    def my_protocol(dataset: Dataset, *, seed: int, my_param: int = 3) -> Task: ...
"""

# The built-in protocols: each module registers its protocols when imported. This list is all.
from anomalab.data.protocols import (
    image_splits,
    one_class_splits,
    replay_devnet,
    replay_sgae,
    splits,
)
from anomalab.data.protocols.registry import (
    F1_RULES,
    LABEL_FREE,
    PROTOCOLS,
    SUPERVISION_KINDS,
    WITH_LABELS,
    Protocol,
    RegisteredProtocol,
    get_protocol,
    make_task,
    register_protocol,
)
from anomalab.data.protocols.task import Task

__all__ = [
    "F1_RULES",
    "LABEL_FREE",
    "PROTOCOLS",
    "SUPERVISION_KINDS",
    "WITH_LABELS",
    "Protocol",
    "RegisteredProtocol",
    "Task",
    "get_protocol",
    "image_splits",
    "make_task",
    "one_class_splits",
    "register_protocol",
    "replay_devnet",
    "replay_sgae",
    "splits",
]
