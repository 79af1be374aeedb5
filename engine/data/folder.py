"""A plain folder of class sub-folders of videos: ``ROOT/<class>/**/<clip>.<ext>``."""

from __future__ import annotations

from pathlib import Path

from engine.data.records import ClipRecord, stratified_subsets
from engine.errors import UserError
from engine.io.video import VIDEO_EXTENSIONS


def find_videos(root: Path) -> list[Path]:
    """Every video file under root (any depth, hidden entries skipped), sorted."""
    if not root.is_dir():
        raise UserError(f"No such folder: {root}")
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root).parts
        if any(part.startswith(".") for part in relative):
            continue
        if path.suffix.lower() in VIDEO_EXTENSIONS and path.is_file():
            found.append(path)
    return sorted(found)


def load_folder(
    root: Path,
    split_seed: int = 0,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
) -> list[ClipRecord]:
    """Records for class sub-folders of videos, split stratified by class.

    Args:
        root: folder whose sub-folders are the classes; videos may sit deeper.
        split_seed: seed of the split (same seed, same split).
        val_fraction: share of each class for validation.
        test_fraction: share of each class for testing.

    Returns:
        Records sorted by key; the key is the path relative to root, no extension.

    Raises:
        UserError: no video, or videos directly in root (no class folder).
    """
    videos = find_videos(root)
    if not videos:
        raise UserError(f"No videos ({', '.join(VIDEO_EXTENSIONS)}) under {root}.")
    loose = [p.name for p in videos if p.parent == root]
    if loose:
        raise UserError(
            f"{len(loose)} video(s) sit directly in {root} (e.g. {loose[0]}); "
            "put each video in a sub-folder named after its class."
        )
    labelled = {p.relative_to(root).with_suffix("").as_posix(): (p, p.relative_to(root).parts[0]) for p in videos}
    if len(labelled) < len(videos):
        raise UserError(f"Two videos under {root} differ only in extension; keep one of each.")
    subsets = stratified_subsets(
        ((key, label) for key, (_, label) in labelled.items()), split_seed, val_fraction, test_fraction
    )
    return [ClipRecord(str(path), label, subsets[key], key) for key, (path, label) in sorted(labelled.items())]
