"""What a data set is: clip records, the index over them, class selection and splits."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.errors import UserError

SUBSETS = ("train", "val", "test")


@dataclass(frozen=True)
class ClipRecord:
    """One labelled clip of a data set.

    Attributes:
        source: a video file, or a folder of ``image_00001.jpg`` frames (UCF101 style).
        label: class name.
        subset: "train", "val" or "test".
        key: identifier unique within the data set.
        start: first source frame of the clip, 0-based.
        stop: one past the last source frame (half-open); None means the end.
        person: the actor's number where the data set says (KTH), else None.
    """

    source: str
    label: str
    subset: str
    key: str
    start: int = 0
    stop: int | None = None
    person: int | None = None


@dataclass
class DatasetIndex:
    """The records of a data set and its classes.

    Attributes:
        records: every clip, in a deterministic order.
        classes: class names; a record's label index is its position here.
        layout: which loader produced it ("kth", "ucf101" or "folder").
        notes: things the loader skipped or assumed, for the user to read.
    """

    records: list[ClipRecord]
    classes: list[str]
    layout: str = ""
    notes: list[str] = field(default_factory=list)

    def subset(self, name: str) -> list[ClipRecord]:
        """The records of one subset ("train", "val" or "test")."""
        if name not in SUBSETS:
            raise UserError(f"Unknown subset {name!r}; use one of {', '.join(SUBSETS)}.")
        return [r for r in self.records if r.subset == name]

    def counts(self) -> dict[str, dict[str, int]]:
        """{subset: {class: number of records}}."""
        out = {s: {c: 0 for c in self.classes} for s in SUBSETS}
        for r in self.records:
            out[r.subset][r.label] += 1
        return out


def select_classes(
    records: Sequence[ClipRecord], classes: Sequence[str] | None
) -> tuple[list[ClipRecord], list[str]]:
    """Keeps the records of the chosen classes.

    Args:
        records: all records found.
        classes: class names to keep, in the order that defines label indices;
            None keeps every class, sorted.

    Returns:
        (kept records, class list).

    Raises:
        UserError: a chosen class has no record, or no record was found at all.
    """
    found = sorted({r.label for r in records})
    if not found:
        raise UserError("No clips were found.")
    if classes is None:
        return list(records), found
    chosen = list(dict.fromkeys(str(c) for c in classes))
    unknown = [c for c in chosen if c not in found]
    if unknown:
        raise UserError(f"Unknown class(es) {', '.join(unknown)}; the classes found are: {', '.join(found)}.")
    if len(chosen) < 1:
        raise UserError("Choose at least one class.")
    keep = set(chosen)
    return [r for r in records if r.label in keep], chosen


def check_fractions(val_fraction: float, test_fraction: float) -> None:
    """Raises UserError unless both fractions are in [0, 1) and sum to less than 1."""
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0.0 <= value < 1.0:
            raise UserError(f"{name} must be in [0, 1); got {value}.")
    if val_fraction + test_fraction >= 1.0:
        raise UserError(f"val_fraction + test_fraction must be below 1; got {val_fraction + test_fraction}.")


def stratified_subsets(
    labelled_keys: Iterable[tuple[str, str]],
    seed: int = 0,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
) -> dict[str, str]:
    """Splits keys into subsets class by class, deterministically.

    Each class is shuffled by its own generator seeded from ``seed`` and the
    class name, so adding a class does not reshuffle the others. A class keeps
    at least one training clip.

    Args:
        labelled_keys: (key, label) pairs; keys must be unique.
        seed: split seed.
        val_fraction: share of each class for validation.
        test_fraction: share of each class for testing.

    Returns:
        {key: "train" | "val" | "test"}.
    """
    check_fractions(val_fraction, test_fraction)
    by_class: dict[str, list[str]] = {}
    for key, label in labelled_keys:
        by_class.setdefault(label, []).append(key)
    subsets: dict[str, str] = {}
    for label, keys in by_class.items():
        keys = sorted(keys)
        rng = np.random.default_rng([int(seed), zlib.crc32(label.encode("utf-8"))])
        order = [keys[i] for i in rng.permutation(len(keys))]
        n_test = round(len(keys) * test_fraction)
        n_val = round(len(keys) * val_fraction)
        while n_test + n_val >= len(keys) and n_test + n_val > 0:
            if n_test >= n_val:
                n_test -= 1
            else:
                n_val -= 1
        for i, key in enumerate(order):
            subsets[key] = "test" if i < n_test else "val" if i < n_test + n_val else "train"
    return subsets
