"""The model's tensor layout: the input spec stored in every checkpoint and the conversions.

A clip's model input is ``(T, C, H, W)`` float32: frames resized to the spec's size,
scaled to [0, 1], converted to grayscale when C is 1, and normalised with the spec's
mean and std. A batch adds a leading ``B``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
import torch

from engine.io.sampling import FrameStep

if TYPE_CHECKING:
    from engine.io.video import Clip


@dataclass(frozen=True)
class InputSpec:
    """The input a model expects; stored in every checkpoint.

    Attributes:
        num_frames: T, frames per clip.
        height: H of the model input.
        width: W of the model input.
        channels: C, 1 (grayscale) or 3 (RGB).
        mean: per-channel mean of [0, 1] pixels.
        std: per-channel std of [0, 1] pixels.
        frame_step: source frames between two sampled frames, so the model sees the same
            time scale whatever the clip's length; 0 spreads T frames over the whole clip.
        pixel_scale: pixels are scaled to [0, pixel_scale] before ``mean`` and ``std`` apply
            (1 for [0, 1]; 255 for the reference cnn-lstm's 0-255 pixels). ``mean`` and ``std``
            are in that scale.
        sample_fps: model frames per second (time-based sampling: the readers take every
            ``fps / sample_fps`` source frames of a clip at ``fps``); 0 keeps ``frame_step``, and
            checkpoints without the field load with 0. When set, ``frame_step`` becomes a
            :class:`~engine.io.sampling.FrameStep` carrying it (its int value is the step at 25 fps).
    """

    num_frames: int = 16
    height: int = 64
    width: int = 64
    channels: int = 1
    mean: tuple[float, ...] = (0.5,)
    std: tuple[float, ...] = (0.25,)
    frame_step: int = 0
    pixel_scale: float = 1.0
    sample_fps: float = 0.0

    def __post_init__(self) -> None:
        if self.sample_fps > 0:
            object.__setattr__(self, "frame_step", FrameStep(self.sample_fps))
        elif isinstance(self.frame_step, FrameStep):
            object.__setattr__(self, "sample_fps", self.frame_step.sample_fps)

    def to_dict(self) -> dict:
        extra = {"sample_fps": self.sample_fps} if self.sample_fps > 0 else {}  # old readers never see it
        return {
            "num_frames": self.num_frames,
            "height": self.height,
            "width": self.width,
            "channels": self.channels,
            "mean": list(self.mean),
            "std": list(self.std),
            "frame_step": int(self.frame_step),
            "pixel_scale": self.pixel_scale,
        } | extra

    @classmethod
    def from_dict(cls, d: dict) -> InputSpec:
        return cls(
            num_frames=int(d["num_frames"]),
            height=int(d["height"]),
            width=int(d["width"]),
            channels=int(d["channels"]),
            mean=tuple(float(v) for v in d["mean"]),
            std=tuple(float(v) for v in d["std"]),
            frame_step=int(d.get("frame_step", 0)),
            pixel_scale=float(d.get("pixel_scale", 1.0)),
            sample_fps=float(d.get("sample_fps", 0.0)),
        )


def frames_to_tensor(frames: np.ndarray, spec: InputSpec) -> torch.Tensor:
    """(T, H, W, 3) uint8 RGB -> (T, C, h, w) float32 normalised for the model."""
    out = np.empty((frames.shape[0], spec.height, spec.width, 3), dtype=np.uint8)
    for t, frame in enumerate(frames):
        out[t] = cv2.resize(frame, (spec.width, spec.height), interpolation=cv2.INTER_AREA)
    x = torch.from_numpy(out).float().div_(255.0 / spec.pixel_scale)
    if spec.channels == 1:
        x = (x * torch.tensor([0.299, 0.587, 0.114])).sum(-1, keepdim=True)
    x = x.permute(0, 3, 1, 2).contiguous()
    mean = torch.tensor(spec.mean, dtype=torch.float32).view(-1, 1, 1)
    std = torch.tensor(spec.std, dtype=torch.float32).view(-1, 1, 1)
    return (x - mean) / std


def clip_to_tensor(clip: Clip, spec: InputSpec) -> torch.Tensor:
    """The model input for a clip: (T, C, H, W) float32, normalised per the spec."""
    return frames_to_tensor(clip.frames, spec)


ACTIVITYNET_MEAN = (114.7748, 107.7354, 99.4750)  # the reference cnn-lstm's mean.py, in 0-255 units
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

# name -> (pixel_scale, mean, std); "default" is the project's rule by channel count
NORMALISATIONS = {
    "gray": (1.0, (0.5,), (0.25,)),
    "imagenet": (1.0, IMAGENET_MEAN, IMAGENET_STD),
    "activitynet-255": (255.0, ACTIVITYNET_MEAN, (1.0, 1.0, 1.0)),
    "activitynet-01": (1.0, ACTIVITYNET_MEAN, (1.0, 1.0, 1.0)),
    "kinetics": (1.0, (0.43216, 0.394666, 0.37645), (0.22803, 0.22145, 0.216989)),  # torchvision's video presets
    "mvit": (1.0, (0.45, 0.45, 0.45), (0.225, 0.225, 0.225)),
}
NORMALISATION_HELP = ("default (gray for 1 channel, imagenet for 3), gray, imagenet ([0,1] pixels, ImageNet mean/std), "
                      "activitynet-255 (0-255 pixels minus ActivityNet means: the reference cnn-lstm), "
                      "activitynet-01 ([0,1] pixels minus ActivityNet means in 0-255 units: the seed project's "
                      "training transform), kinetics and mvit (torchvision's video presets)")

# input presets: the reference repositories' (see engine.models.foreign) and torchvision's video
# weights' (crop size, mean/std and documented clip_len; a test checks them against torchvision's metadata;
# frame_step samples its frame_rate from 25-30 fps video)
PRESETS = {
    "cnnlstm-reference": dict(num_frames=16, size=150, normalise="activitynet-255", frame_step=1),
    "cnnlstm-seed": dict(num_frames=30, size=120, normalise="activitynet-01", frame_step=1),
    "project": dict(num_frames=16, size=64, normalise="default", frame_step=2),  # the bundled models' input
    "r3d_18": dict(num_frames=16, size=112, normalise="kinetics", frame_step=2),
    "mc3_18": dict(num_frames=16, size=112, normalise="kinetics", frame_step=2),
    "r2plus1d_18": dict(num_frames=16, size=112, normalise="kinetics", frame_step=2),
    "s3d": dict(num_frames=128, size=224, normalise="kinetics", frame_step=2),
    "mvit_v2_s": dict(num_frames=16, size=224, normalise="mvit", frame_step=4),
    "swin3d_t": dict(num_frames=32, size=224, normalise="imagenet", frame_step=2),
}


def normalised_spec(num_frames: int, size: int, channels: int, frame_step: int = 0, normalise: str = "default",
                    mean: tuple[float, ...] | None = None, sample_fps: float = 0.0) -> InputSpec:
    """An InputSpec with a named normalisation (see ``NORMALISATIONS``); ``mean`` overrides its means;
    ``sample_fps`` > 0 samples by time (see :class:`InputSpec`).

    Raises:
        ValueError: an unknown name, or channels that do not fit it.
    """
    if normalise == "default":
        normalise = "gray" if channels == 1 else "imagenet"
    if normalise not in NORMALISATIONS:
        raise ValueError(f"normalisation must be default or one of {', '.join(NORMALISATIONS)}, got {normalise!r}")
    scale, default_mean, std = NORMALISATIONS[normalise]
    mean = tuple(mean) if mean else default_mean
    if len(std) != channels or len(mean) != channels:
        raise ValueError(f"normalisation {normalise} is for {len(std)}-channel frames; the model takes {channels}")
    return InputSpec(num_frames, size, size, channels, mean, std, frame_step, scale, sample_fps)
