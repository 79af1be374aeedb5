"""Data sets: KTH folders, UCF101-style annotation JSON + frame folders, class folders.

A data set is a list of :class:`ClipRecord` (indexed by :func:`load_dataset`),
read one clip at a time by :func:`read_record`, or fed to training as
``(T, C, H, W)`` tensors by :class:`ClipDataset`.
"""

from engine.data.dataset import ClipDataset
from engine.data.folder import find_videos
from engine.data.kth import kth_subset, parse_kth_name, parse_sequences
from engine.data.loading import LAYOUTS, detect_layout, load_dataset
from engine.data.reading import random_window_indices, read_record
from engine.data.records import SUBSETS, ClipRecord, DatasetIndex, stratified_subsets
from engine.data.ucf import count_frames, read_frame_folder

__all__ = [
    "LAYOUTS",
    "SUBSETS",
    "ClipDataset",
    "ClipRecord",
    "DatasetIndex",
    "count_frames",
    "detect_layout",
    "find_videos",
    "kth_subset",
    "load_dataset",
    "parse_kth_name",
    "parse_sequences",
    "random_window_indices",
    "read_frame_folder",
    "read_record",
    "stratified_subsets",
]
