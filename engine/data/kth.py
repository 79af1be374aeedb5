"""The KTH actions data set: file names, the standard person split, 00sequences.txt.

KTH names its videos ``personNN_action_dK_uncomp.avi`` (a suffix such as
``_s3`` before ``.avi`` is tolerated) and lists each video's sub-sequences in
``00sequences.txt`` with 1-based inclusive frame ranges::

    person01_boxing_d1		frames	1-95, 96-185, 186-245, 246-360

Records use 0-based half-open ranges: ``1-95`` becomes ``start=0, stop=95``.
"""

from __future__ import annotations

import re
from pathlib import Path

from engine.data.folder import find_videos
from engine.data.records import ClipRecord
from engine.errors import UserError

KTH_NAME = re.compile(r"^person(?P<person>\d+)_(?P<action>[a-z]+)_(?P<scenario>d\d+)(?P<suffix>_.+)?$", re.IGNORECASE)
KTH_TRAIN_PERSONS = frozenset(range(11, 19))
KTH_VAL_PERSONS = frozenset({19, 20, 21, 23, 24, 25, 1, 4})
KTH_TEST_PERSONS = frozenset({22, 2, 3, 5, 6, 7, 8, 9, 10})
SEQUENCES_FILE = "00sequences.txt"
_SEQUENCE_LINE = re.compile(r"^\s*(?P<clip>person\d+_[a-z]+_d\d+)\s+(?:frames\s+)?(?P<ranges>.*)$", re.IGNORECASE)
_RANGE = re.compile(r"(\d+)\s*-\s*(\d+)")


def kth_subset(person: int) -> str:
    """The subset of KTH's standard split that a person belongs to.

    Raises:
        UserError: the person is not one of KTH's 25.
    """
    if person in KTH_TRAIN_PERSONS:
        return "train"
    if person in KTH_VAL_PERSONS:
        return "val"
    if person in KTH_TEST_PERSONS:
        return "test"
    raise UserError(f"person{person:02d} is not one of KTH's 25 persons; use layout='folder' for other data.")


def parse_kth_name(path: str | Path) -> tuple[str, int, str] | None:
    """(clip id ``personNN_action_dK``, person, action) from a KTH file name, or None."""
    stem = Path(path).stem
    match = KTH_NAME.match(stem)
    if match is None:
        return None
    person = int(match["person"])
    action = match["action"].lower()
    return f"person{person:02d}_{action}_{match['scenario'].lower()}", person, action


def is_kth_name(path: str | Path) -> bool:
    """Whether a file is named like a KTH video."""
    return parse_kth_name(path) is not None


def parse_sequences(text: str) -> dict[str, list[tuple[int, int]]]:
    """Parses 00sequences.txt.

    Args:
        text: the file's contents; lines that are not sequence lines are ignored.

    Returns:
        {clip id: [(start, stop), ...]} with 0-based half-open frame ranges.

    Raises:
        UserError: a range is empty or reversed.
    """
    sequences: dict[str, list[tuple[int, int]]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SEQUENCE_LINE.match(line)
        if match is None:
            continue
        ranges = []
        for first, last in _RANGE.findall(match["ranges"]):
            first, last = int(first), int(last)
            if first < 1 or last < first:
                raise UserError(f"{SEQUENCES_FILE} line {number}: bad frame range {first}-{last}.")
            ranges.append((first - 1, last))
        if ranges:
            sequences[match["clip"].lower()] = ranges
    return sequences


def find_sequences_file(root: Path) -> Path | None:
    """00sequences.txt at the root or, failing that, the first one below it."""
    direct = root / SEQUENCES_FILE
    if direct.is_file():
        return direct
    return next(iter(sorted(root.rglob(SEQUENCES_FILE))), None)


def load_kth(root: Path, sequences_path: Path | None = None) -> list[ClipRecord]:
    """Records for a KTH folder (flat or with class sub-folders).

    Args:
        root: folder holding the KTH videos, at any depth.
        sequences_path: 00sequences.txt; default: the one found under root.
            A clip listed there becomes one record per sub-sequence; a clip not
            listed keeps its whole range; lines for absent clips are ignored.

    Returns:
        Records sorted by key, with the standard person split as subsets.
    """
    sequences_path = sequences_path or find_sequences_file(root)
    sequences = parse_sequences(sequences_path.read_text(errors="replace")) if sequences_path else {}
    records = []
    for path in find_videos(root):
        parsed = parse_kth_name(path)
        if parsed is None:
            continue
        clip_id, person, action = parsed
        subset = kth_subset(person)
        key = path.relative_to(root).with_suffix("").as_posix()
        ranges = sequences.get(clip_id)
        if not ranges:
            records.append(ClipRecord(str(path), action, subset, key, person=person))
            continue
        for number, (start, stop) in enumerate(ranges, start=1):
            records.append(ClipRecord(str(path), action, subset, f"{key}#seq{number}", start, stop, person))
    return sorted(records, key=lambda r: r.key)
