"""A differentiable motion stem: frame differences computed inside the model.

The model still takes raw frames (B, T, C, H, W), so every saliency method, the
player and the app attribute to the frames a user sees. The stem turns them into
what the network reads:

* ``"frames"``: the frames unchanged (appearance and motion; the old behaviour);
* ``"diff"``: temporal differences ``x[t] - x[t-1]`` (motion only; a static
  background cancels), with ``x[-1] = x[0]``, so the first difference is zero;
* ``"frames+diff"``: the frames and their differences stacked on channels (2C).

A model with a difference stem has no per-frame separable features: the features
of step t read frames t and t-1, so the exact per-frame fast paths (which re-run
only a masked frame's CNN) do not apply, and the model declares ``per_frame = False``.
The stem has no parameters: checkpoints keep their state-dict keys; the mode is part
of the model's config (``motion``), and configs without it mean ``"frames"``.
"""

from __future__ import annotations

import torch
from torch import nn

MOTION_INPUTS = ("frames", "diff", "frames+diff")


def check_motion(motion: str) -> str:
    """Returns ``motion`` when it names a stem (ValueError listing the choices otherwise)."""
    if motion not in MOTION_INPUTS:
        raise ValueError(f"motion must be one of {', '.join(MOTION_INPUTS)}, got {motion!r}")
    return motion


def stem_channels(motion: str, in_channels: int) -> int:
    """C of what the network after the stem reads: ``2 * in_channels`` for ``frames+diff``."""
    return 2 * in_channels if check_motion(motion) == "frames+diff" else in_channels


def frame_differences(x: torch.Tensor) -> torch.Tensor:
    """(B, T, C, H, W) -> (B, T, C, H, W): ``x[:, t] - x[:, t-1]``, zero at t = 0."""
    return x - torch.cat([x[:, :1], x[:, :-1]], dim=1)


class MotionStem(nn.Module):
    """Frames -> the network's input (see the module docstring); no parameters.

    Args:
        motion: one of ``MOTION_INPUTS``.
    """

    def __init__(self, motion: str = "frames") -> None:
        super().__init__()
        self.motion = check_motion(motion)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C, H, W) -> (B, T, C', H, W), C' = C or 2C."""
        if self.motion == "frames":
            return x
        diff = frame_differences(x)
        return diff if self.motion == "diff" else torch.cat([x, diff], dim=2)

    def extra_repr(self) -> str:
        return f"motion={self.motion!r}"
