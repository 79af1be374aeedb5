"""CNN-LSTM: per-frame CNN, trainable projection, LSTM, head on the last step.

Also the single-frame baseline ``framecnn``: the same encoder with a per-frame
head whose logits are averaged over time (appearance only, no temporal order).
"""

from __future__ import annotations

import torch
from torch import nn

from engine.models.backbones import backbone_stages
from engine.models.base import FrameEncoder, VideoClassifier, make_head
from engine.models.recurrent import run_lstm
from engine.models.registry import register_model


class CNNLSTM(VideoClassifier):
    """Frames -> CNN features (B, T, F) -> LSTM -> head on the last step -> (B, K)."""

    def __init__(self, *, num_classes, in_channels, backbone, proj_dim, hidden_size, num_layers, dropout,
                 head_hidden, weights_path, freeze_backbone, proj_activation="relu", motion="frames"):
        super().__init__()
        self.num_classes = num_classes
        self.encoder = self.build_encoder(backbone=backbone, in_channels=in_channels, proj_dim=proj_dim,
                                          weights_path=weights_path, freeze_backbone=freeze_backbone,
                                          proj_activation=proj_activation, motion=motion)
        self.lstm = nn.LSTM(proj_dim, hidden_size, num_layers=num_layers, batch_first=True,
                            dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.head = make_head(hidden_size, num_classes, head_hidden)

    def classify_features(self, feats: torch.Tensor, state=None) -> torch.Tensor:
        """(B, T, F) -> (B, K) from the last step's hidden state."""
        out, _ = run_lstm(self.lstm, feats, state)
        return self.head(self.dropout(out[:, -1]))


@register_model("cnnlstm", label="CNN-LSTM (per-frame CNN, LSTM over time)", tiny=dict(proj_dim=8, hidden_size=8),
                per_frame=True, stages=backbone_stages)
def cnnlstm(*, num_classes: int = 2, in_channels: int = 1, backbone: str = "small", proj_dim: int = 64,
            hidden_size: int = 64, num_layers: int = 1, dropout: float = 0.0, head_hidden: int = 0,
            weights_path: str | None = None, freeze_backbone: bool = False, proj_activation: str = "relu",
            motion: str = "frames") -> CNNLSTM:
    """Builds a CNN-LSTM. ``backbone`` is ``small`` or ``resnet18/34/50/101/152``; ``motion`` is its input stem
    (:mod:`engine.models.motion`: frames, diff or frames+diff).

    With ``backbone="resnet101", in_channels=3, proj_dim=300, proj_activation="none",
    hidden_size=256, num_layers=3, head_hidden=128`` it computes the reference cnn-lstm's
    function (its per-step seq-first LSTM equals one batch-first LSTM call over the clip).
    """
    return CNNLSTM(num_classes=num_classes, in_channels=in_channels, backbone=backbone, proj_dim=proj_dim,
                   hidden_size=hidden_size, num_layers=num_layers, dropout=dropout, head_hidden=head_hidden,
                   weights_path=weights_path, freeze_backbone=freeze_backbone, proj_activation=proj_activation,
                   motion=motion)


class FrameCNN(VideoClassifier):
    """Single-frame baseline: per-frame logits from appearance alone, averaged over T."""

    def __init__(self, *, num_classes, in_channels, backbone, proj_dim, weights_path, freeze_backbone):
        super().__init__()
        self.num_classes = num_classes
        self.encoder = FrameEncoder(backbone=backbone, in_channels=in_channels, proj_dim=proj_dim,
                                    weights_path=weights_path, freeze_backbone=freeze_backbone)
        self.head = nn.Linear(proj_dim, num_classes)

    def classify_features(self, feats: torch.Tensor) -> torch.Tensor:
        """(B, T, F) -> (B, K): the mean of per-frame logits."""
        return self.head(feats).mean(dim=1)


@register_model("framecnn", label="Single-frame CNN baseline (no temporal model)", tiny=dict(proj_dim=8),
                per_frame=True, stages=backbone_stages)
def framecnn(*, num_classes: int = 2, in_channels: int = 1, backbone: str = "small", proj_dim: int = 64,
             weights_path: str | None = None, freeze_backbone: bool = False) -> FrameCNN:
    """Builds the single-frame baseline used to show appearance does not give the class away."""
    return FrameCNN(num_classes=num_classes, in_channels=in_channels, backbone=backbone, proj_dim=proj_dim,
                    weights_path=weights_path, freeze_backbone=freeze_backbone)
