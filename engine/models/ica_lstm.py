"""Input-cell attention LSTM (Ismail et al., NeurIPS 2019) and ``cnn_ica_lstm``.

"Input-Cell Attention Reduces Vanishing Saliency of Recurrent Neural Networks":
at step t the cell's input is not x_t but a matrix summary of all inputs so far,

    A_t = softmax_over_time( W2 tanh(W1 X_{0..t}^T) )      (r hops x (t+1) steps)
    M_t = mean over hops of A_t X_{0..t}                    (D,)

so every step sees early inputs directly and saliency does not vanish at early
time steps. The attention reads inputs only, so M for all t is computed at once
with a causal mask, then fed to a standard LSTM: vectorised over batch and time.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.models.base import VideoClassifier, make_head
from engine.models.recurrent import run_lstm
from engine.models.backbones import backbone_stages
from engine.models.registry import register_model


class InputCellAttention(nn.Module):
    """Causal input-cell attention: (B, T, D) -> (B, T, D).

    Args:
        input_size: D.
        hops: r, attention hops.
        width: d_a, hidden width of the attention MLP.
    """

    def __init__(self, input_size: int, *, hops: int = 4, width: int = 32) -> None:
        super().__init__()
        self.w1 = nn.Linear(input_size, width, bias=False)
        self.w2 = nn.Linear(width, hops, bias=False)

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        """Hop-averaged attention (B, T_query, T_key); row t is zero after key t."""
        t = x.shape[1]
        scores = self.w2(torch.tanh(self.w1(x)))  # (B, T, r): one score per step and hop
        scores = scores.unsqueeze(1).expand(-1, t, -1, -1)  # (B, T_query, T_key, r)
        future = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(future[None, :, :, None], float("-inf"))
        return torch.softmax(scores, dim=2).mean(dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.weights(x) @ x


class InputCellAttentionLSTM(nn.Module):
    """Stacked LSTM layers, each fed by input-cell attention over its input sequence.

    Args:
        input_size: D.
        hidden_size: H.
        num_layers: stacked layers.
        hops: r.
        width: d_a.
        dropout: between layers (training only).
    """

    def __init__(self, input_size: int, hidden_size: int, *, num_layers: int = 1, hops: int = 4, width: int = 32,
                 dropout: float = 0.0) -> None:
        super().__init__()
        sizes = [input_size] + [hidden_size] * (num_layers - 1)
        self.attention = nn.ModuleList(InputCellAttention(s, hops=hops, width=width) for s in sizes)
        self.cells = nn.ModuleList(nn.LSTM(s, hidden_size, batch_first=True) for s in sizes)
        self.dropout = nn.Dropout(dropout)
        self.num_layers = num_layers
        self.hidden_size = hidden_size

    def forward(self, x: torch.Tensor, state=None) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """(B, T, D), optional (h0, c0) each (layers, B, H) -> (B, T, H), (h_n, c_n)."""
        h_n, c_n, seq = [], [], x
        for layer, (attend, cell) in enumerate(zip(self.attention, self.cells, strict=True)):
            if layer > 0:
                seq = self.dropout(seq)
            layer_state = None if state is None else (state[0][layer : layer + 1], state[1][layer : layer + 1])
            seq, (h, c) = run_lstm(cell, attend(seq), layer_state)
            h_n.append(h)
            c_n.append(c)
        return seq, (torch.cat(h_n), torch.cat(c_n))


class CNNICALSTM(VideoClassifier):
    """Frames -> CNN features -> input-cell attention LSTM -> head on the last step."""

    def __init__(self, *, num_classes, in_channels, backbone, proj_dim, hidden_size, num_layers, hops, width,
                 dropout, head_hidden, weights_path, freeze_backbone, motion="frames"):
        super().__init__()
        self.num_classes = num_classes
        self.encoder = self.build_encoder(backbone=backbone, in_channels=in_channels, proj_dim=proj_dim,
                                          weights_path=weights_path, freeze_backbone=freeze_backbone, motion=motion)
        self.rnn = InputCellAttentionLSTM(proj_dim, hidden_size, num_layers=num_layers, hops=hops, width=width,
                                          dropout=dropout)
        self.dropout = nn.Dropout(dropout)
        self.head = make_head(hidden_size, num_classes, head_hidden)

    def classify_features(self, feats: torch.Tensor, state=None) -> torch.Tensor:
        """(B, T, F) -> (B, K) from the last step's hidden state."""
        out, _ = self.rnn(feats, state)
        return self.head(self.dropout(out[:, -1]))


@register_model("cnn_ica_lstm", label="CNN + input-cell attention LSTM (Ismail et al. 2019)",
                tiny=dict(proj_dim=8, hidden_size=8, hops=2, width=4), per_frame=True, stages=backbone_stages)
def cnn_ica_lstm(*, num_classes: int = 2, in_channels: int = 1, backbone: str = "small", proj_dim: int = 64,
                 hidden_size: int = 64, num_layers: int = 1, hops: int = 4, width: int = 32, dropout: float = 0.0,
                 head_hidden: int = 0, weights_path: str | None = None, freeze_backbone: bool = False,
                 motion: str = "frames") -> CNNICALSTM:
    """Builds a CNN with an input-cell attention LSTM; ``motion`` is its input stem (:mod:`engine.models.motion`)."""
    return CNNICALSTM(num_classes=num_classes, in_channels=in_channels, backbone=backbone, proj_dim=proj_dim,
                      hidden_size=hidden_size, num_layers=num_layers, hops=hops, width=width, dropout=dropout,
                      head_hidden=head_hidden, weights_path=weights_path, freeze_backbone=freeze_backbone,
                      motion=motion)
