"""The box data sets of Ismail et al. (NeurIPS 2019), "Input-Cell Attention Reduces Vanishing Saliency".

A sample is a time series of 100 steps x 100 features drawn from N(0, 1); the
cells of the box (the only informative cells) are drawn from N(label, 1)
instead, with label -1 or +1 (class 0 or 1). Where the box lies in time is what
tests vanishing saliency: a plain LSTM read at the last step loses early boxes.

Boxes, as [start, stop) steps and features (the paper's TopBox is the earliest):

* TopBox: steps 0-29, features 10-89
* BottomBox: steps 70-99, features 10-89
* MiddleBox: steps 20-79, features 20-79
* ThreeUpperBoxes: steps 0-39; features 0-29, 35-64, 70-99
* ThreeMiddleBoxes: steps 25-64; features 0-29, 35-64, 70-99
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from engine.errors import UserError

NUM_STEPS = 100
NUM_FEATURES = 100
THREE_FEATURE_BANDS = ((0, 30), (35, 65), (70, 100))
BOXES = MappingProxyType({
    "TopBox": (((0, 30), (10, 90)),),
    "BottomBox": (((70, 100), (10, 90)),),
    "MiddleBox": (((20, 80), (20, 80)),),
    "ThreeUpperBoxes": tuple(((0, 40), band) for band in THREE_FEATURE_BANDS),
    "ThreeMiddleBoxes": tuple(((25, 65), band) for band in THREE_FEATURE_BANDS),
})
"""Box name -> rectangles ((step start, step stop), (feature start, feature stop)), stops exclusive."""


@dataclass(frozen=True)
class BoxData:
    """One split of a box data set.

    Attributes:
        x: (N, T, D) float32 samples, T steps and D features.
        y: (N,) int64 class: 0 for label -1, 1 for label +1.
        mask: (T, D) bool, True on the box (the reference of every sample).
    """

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray


def box_mask(box: str, num_steps: int = NUM_STEPS, num_features: int = NUM_FEATURES) -> np.ndarray:
    """(T, D) bool reference: True on the box cells."""
    if box not in BOXES:
        raise UserError(f"Unknown box {box!r}; choose from {', '.join(BOXES)}.")
    mask = np.zeros((num_steps, num_features), dtype=bool)
    for (t0, t1), (f0, f1) in BOXES[box]:
        mask[t0:t1, f0:f1] = True
    return mask


def make_box_data(box: str, count: int, seed: int, num_steps: int = NUM_STEPS,
                  num_features: int = NUM_FEATURES) -> BoxData:
    """``count`` samples, half of each class (shuffled); the same seed gives the same data.

    Args:
        box: a key of :data:`BOXES`.
        count: samples.
        seed: random seed.
        num_steps: T (100 in the paper).
        num_features: D (100 in the paper).
    """
    mask = box_mask(box, num_steps, num_features)
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(count) % 2).astype(np.int64)
    x = rng.standard_normal((count, num_steps, num_features))
    x += mask[None] * (2.0 * y - 1.0)[:, None, None]  # box cells ~ N(label, 1)
    return BoxData(x.astype(np.float32), y, mask)


def write_box_data(out: str | Path, box: str, train: int = 1000, test: int = 300, seed: int = 0) -> list[Path]:
    """Writes ``<out>/<box>_train.npz`` and ``<box>_test.npz`` (arrays x, y, mask); returns the paths.

    Train and test use the seeds ``seed`` and ``seed + 1``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for split, count, split_seed in (("train", train, seed), ("test", test, seed + 1)):
        data = make_box_data(box, count, split_seed)
        path = out / f"{box}_{split}.npz"
        np.savez_compressed(path, x=data.x, y=data.y, mask=data.mask)
        paths.append(path)
    return paths
