"""A torch Dataset over clip records, with label-preserving augmentation."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from engine.data.augment import Augmentation, augment_frames, timed_pool_indices
from engine.data.reading import random_window_indices, read_record, read_record_pool
from engine.data.records import ClipRecord
from engine.errors import UserError
from engine.io.tensors import InputSpec, frames_to_tensor
from engine.io.sampling import clip_indices, uniform_indices


class ClipDataset(Dataset):
    """Model inputs and label indices for a list of records.

    Items are ``(x, label_index)`` with x (T, C, H, W) float32 normalised per
    the spec. With ``train=True`` each read takes a random temporal window
    (temporal crop) and mirrors the frames left-right with ``flip_probability``;
    both preserve the label. Randomness comes from a generator seeded by
    (seed, epoch, index, visit), so a run is reproducible; call
    :meth:`set_epoch` to vary it by epoch.

    With ``cache=True`` each clip is decoded once and kept in memory as uint8 at
    the spec's size: T frames for evaluation, or ``pool_factor * T`` frames spread
    over the clip for training, from which the temporal crop picks.

    ``augmentation`` (an :class:`~engine.data.augment.Augmentation`) replaces the plain flip with
    its scale, light, flip and (for a time-sampled spec) frame-rate and tempo draws.
    """

    def __init__(
        self,
        records: Sequence[ClipRecord],
        classes: Sequence[str],
        spec: InputSpec,
        train: bool = False,
        seed: int = 0,
        cache: bool = False,
        flip_probability: float = 0.5,
        temporal_crop: bool = True,
        pool_factor: int = 4,
        max_side: int | None = 480,
        augmentation: Augmentation | None = None,
    ) -> None:
        self.records = list(records)
        self.classes = list(classes)
        self.spec = spec
        self.train = train
        self.seed = int(seed)
        self.cache = cache
        self.flip_probability = float(flip_probability)
        self.temporal_crop = temporal_crop
        self.pool_size = max(1, int(pool_factor)) * spec.num_frames
        self.max_side = max_side
        self.augmentation = augmentation
        self.epoch = 0
        self._label_index = {label: i for i, label in enumerate(self.classes)}
        unknown = sorted({r.label for r in self.records} - set(self._label_index))
        if unknown:
            raise UserError(f"Records have class(es) {', '.join(unknown)} not in {', '.join(self.classes)}.")
        self._cached: dict[int, tuple[np.ndarray, float]] = {}  # index -> (frames, fps)
        self._visits: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.records)

    def set_epoch(self, epoch: int) -> None:
        """Makes the augmentation of the next reads depend on the epoch."""
        self.epoch = int(epoch)

    def label_of(self, index: int) -> int:
        """The label index of item ``index`` without reading its frames."""
        return self._label_index[self.records[index].label]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        visit = self._visits.get(index, 0)
        self._visits[index] = visit + 1
        rng = np.random.default_rng([self.seed, self.epoch, index, visit])
        frames = self.read_frames(index, rng)
        if self.train and self.augmentation is not None:
            frames = augment_frames(frames, self.augmentation, rng)
        elif self.train and rng.random() < self.flip_probability:
            frames = np.ascontiguousarray(frames[:, :, ::-1])
        return frames_to_tensor(frames, self.spec), self.label_of(index)

    def read_frames(self, index: int, rng: np.random.Generator) -> np.ndarray:
        """The T frames of item ``index`` before flipping: (T, H, W, 3) uint8 RGB."""
        crop = self.train and self.temporal_crop
        step = self.spec.frame_step
        if not self.cache:
            return read_record(self.records[index], self.spec.num_frames, self.max_side, crop, rng, step).frames
        if index not in self._cached:
            self._cached[index] = self._decode_for_cache(index, crop)
        pool, fps = self._cached[index]
        if not crop:
            return pool
        if self.spec.sample_fps > 0:  # every frame: a random window by time
            aug = self.augmentation or Augmentation()
            return pool[timed_pool_indices(len(pool), fps, self.spec.num_frames, self.spec.sample_fps, rng,
                                           aug.source_fps_range, aug.tempo_jitter)]
        if step > 0:  # the pool holds every frame: a random window at the exact step
            return pool[clip_indices(len(pool), self.spec.num_frames, step, rng=rng)]
        return pool[random_window_indices(0, len(pool), self.spec.num_frames, rng)]

    def _decode_for_cache(self, index: int, crop: bool) -> tuple[np.ndarray, float]:
        """(frames (N, h, w, 3) uint8 at the spec's size, source fps) of item ``index``."""
        record = self.records[index]
        num_frames = self.spec.num_frames
        if crop:
            pool_size = self.pool_size if self.spec.frame_step <= 0 else 10**9  # every frame for exact steps
            clip = read_record_pool(record, pool_size, self.max_side)
            if len(clip.frames) < num_frames and self.spec.sample_fps <= 0:
                uniform_indices(len(clip.frames), num_frames)  # raises the too-short error
        else:
            clip = read_record(record, num_frames, self.max_side, frame_step=self.spec.frame_step)
        size = (self.spec.width, self.spec.height)
        return np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in clip.frames]), clip.fps
