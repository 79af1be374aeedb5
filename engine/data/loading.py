"""``load_dataset``: one entry point for every layout, with auto-detection."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from engine.data.folder import find_videos, load_folder
from engine.data.kth import is_kth_name, load_kth
from engine.data.records import DatasetIndex, check_fractions, select_classes
from engine.data.ucf import load_ucf101
from engine.errors import UserError

LAYOUTS = ("auto", "kth", "ucf101", "folder")
ANNOTATION_FILE = "annotation.json"
FRAMES_FOLDER = "frames"


def detect_layout(root: Path | None, annotation_path: Path | None) -> str:
    """Guesses the layout of a data folder.

    "ucf101" when an annotation file is given or ``root/annotation.json`` exists;
    "kth" when every video under root is named like a KTH video; else "folder".
    """
    if annotation_path is not None or (root is not None and (root / ANNOTATION_FILE).is_file()):
        return "ucf101"
    if root is None:
        raise UserError("Give a data folder, or an annotation file and a frame folder.")
    videos = find_videos(root)
    if videos and all(is_kth_name(p) for p in videos):
        return "kth"
    return "folder"


def _ucf_paths(root: Path | None, annotation_path: Path | None, video_path: Path | None) -> tuple[Path, Path]:
    if annotation_path is None:
        if root is None:
            raise UserError("The ucf101 layout needs annotation_path (or a root holding annotation.json).")
        annotation_path = root / ANNOTATION_FILE
    if video_path is None:
        if root is None:
            raise UserError("The ucf101 layout needs video_path, the folder of <label>/<key>/ frame folders.")
        video_path = root / FRAMES_FOLDER if (root / FRAMES_FOLDER).is_dir() else root
    return annotation_path, video_path


def _check_frame_folders(index: DatasetIndex) -> None:
    missing = [r.source for r in index.records if not os.path.isdir(r.source)]
    if missing:
        raise UserError(f"{len(missing)} clip(s) have no frame folder, e.g. {missing[0]}.")


def load_dataset(
    root: str | os.PathLike | None,
    layout: str = "auto",
    classes: Sequence[str] | None = None,
    annotation_path: str | os.PathLike | None = None,
    video_path: str | os.PathLike | None = None,
    split_seed: int = 0,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
) -> DatasetIndex:
    """Indexes a data set without decoding any frame.

    Args:
        root: the data folder (KTH videos, class folders, or a prepared folder
            holding annotation.json and frames/); None for ucf101 with both paths.
        layout: "auto", "kth" (standard person split, 00sequences.txt
            sub-sequences), "ucf101" (annotation JSON + frame folders) or
            "folder" (class sub-folders, seeded stratified split).
        classes: class names to keep, in label-index order; None keeps all, sorted.
        annotation_path: the UCF101-style JSON (ucf101 only).
        video_path: folder of ``<label>/<key>/image_00001.jpg`` (ucf101 only).
        split_seed: seed of the folder layout's split.
        val_fraction: share of each class for validation (folder layout).
        test_fraction: share of each class for testing (folder layout).

    Returns:
        DatasetIndex with records, classes and the layout used.

    Raises:
        UserError: unknown layout or class, missing files, nothing found.
    """
    if layout not in LAYOUTS:
        raise UserError(f"Unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}.")
    check_fractions(val_fraction, test_fraction)
    root = Path(root) if root is not None else None
    annotation = Path(annotation_path) if annotation_path is not None else None
    if layout == "auto":
        layout = detect_layout(root, annotation)
    notes: list[str] = []
    if layout == "ucf101":
        annotation, frames = _ucf_paths(root, annotation, Path(video_path) if video_path is not None else None)
        records, _, notes = load_ucf101(annotation, frames)
    elif root is None:
        raise UserError(f"The {layout} layout needs a data folder.")
    elif layout == "kth":
        records = load_kth(root)
        if not records:
            raise UserError(f"No KTH videos (personNN_action_dK_uncomp.avi) under {root}.")
    else:
        records = load_folder(root, split_seed, val_fraction, test_fraction)
    records, class_list = select_classes(records, classes)
    index = DatasetIndex(records, class_list, layout, notes)
    if layout == "ucf101":
        _check_frame_folders(index)
    return index
