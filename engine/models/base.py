"""The shared shape of every video classifier: a per-frame encoder, then time."""

from __future__ import annotations

import torch
from torch import nn

from engine.models.backbones import build_backbone
from engine.models.motion import MotionStem, stem_channels

PROJ_ACTIVATIONS = ("relu", "none")


class FrameEncoder(nn.Module):
    """Backbone + trainable projection, applied to all B*T frames in one call.

    Args:
        backbone: name from ``engine.models.backbones.BACKBONES``.
        in_channels: C of the frames.
        proj_dim: F, the per-frame feature size.
        weights_path: optional local backbone weights.
        freeze_backbone: keep the backbone fixed (BatchNorm in eval mode).
        proj_activation: "relu" (Linear then ReLU) or "none" (Linear alone, as the reference
            cnn-lstm's ``resnet.fc``); the state-dict keys are the same either way.
    """

    def __init__(self, *, backbone: str, in_channels: int, proj_dim: int, weights_path=None, freeze_backbone=False,
                 proj_activation: str = "relu"):
        super().__init__()
        if proj_activation not in PROJ_ACTIVATIONS:
            raise ValueError(f"proj_activation must be one of {PROJ_ACTIVATIONS}, got {proj_activation!r}")
        self.backbone = build_backbone(backbone, in_channels=in_channels, weights_path=weights_path, freeze=freeze_backbone)
        layers = [nn.Linear(self.backbone.out_dim, proj_dim)] + ([nn.ReLU()] if proj_activation == "relu" else [])
        self.projection = nn.Sequential(*layers)
        self.out_dim = proj_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C, H, W) -> (B, T, F)."""
        b, t = x.shape[:2]
        feats = self.backbone(x.reshape(b * t, *x.shape[2:]))
        return self.projection(feats).reshape(b, t, -1)


def per_frame(model: nn.Module) -> bool:
    """True when ``model`` declares per-frame separable features (``frame_features`` then ``classify_features``):
    the structure the exact fast paths of temporal occlusion, TSR, occlusion and faithfulness need."""
    return bool(getattr(model, "per_frame", False)) and hasattr(model, "frame_features")


class VideoClassifier(nn.Module):
    """Base class: ``forward(x) = classify_features(frame_features(x))``.

    Subclasses set ``self.encoder`` (a :class:`FrameEncoder`) and implement
    ``classify_features`` (B, T, F) -> (B, K). The class declares ``per_frame = True``;
    an instance with a frame-difference stem (:meth:`build_encoder` with ``motion`` other
    than "frames") declares ``per_frame = False``: its step-t features read frame t - 1 too.
    """

    encoder: FrameEncoder
    num_classes: int
    per_frame = True

    def build_encoder(self, *, in_channels: int, motion: str = "frames", **encoder_args) -> FrameEncoder:
        """Sets the motion stem and returns a :class:`FrameEncoder` for what the stem gives."""
        self.stem = MotionStem(motion)
        if motion != "frames":
            self.per_frame = False
        return FrameEncoder(in_channels=stem_channels(motion, in_channels), **encoder_args)

    def frame_features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C, H, W) -> (B, T, F)."""
        stem = getattr(self, "stem", None)  # a subclass that builds its encoder itself has none
        return self.encoder(x if stem is None else stem(x))

    def classify_features(self, feats: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C, H, W) -> (B, K) logits."""
        return self.classify_features(self.frame_features(x))

    @property
    def cnn_stages(self) -> dict[str, nn.Module]:
        """Named CNN stages for Grad-CAM, earliest first."""
        return self.encoder.backbone.stages


def make_head(in_dim: int, num_classes: int, hidden: int) -> nn.Module:
    """Linear head, or Linear-ReLU-Linear when ``hidden`` > 0 (the reference fc1/fc2)."""
    if hidden <= 0:
        return nn.Linear(in_dim, num_classes)
    return nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, num_classes))
