"""The two models of the box experiments (Ismail et al., NeurIPS 2019), sized as in the paper.

Both read (B, T, D) time series: input dropout 0.1, one recurrent layer of hidden
size 5, output dropout 0.1, the last step's hidden state, a linear head to 2 classes.

* ``lstm``: a plain ``nn.LSTM``.
* ``ica_lstm``: the project's input-cell attention
  (:class:`engine.models.ica_lstm.InputCellAttention`, r = 20 hops, d_a = 50) feeding
  an ``nn.LSTM``, as :class:`engine.models.ica_lstm.InputCellAttentionLSTM` does.

The attention is evaluated with :func:`causal_attention`, the same maths as
``InputCellAttention.forward`` without its (B, T, T, r) score tensor: the
scores of key k do not depend on the query t, so each hop's causal softmax is
exp(s_k) / sum_{j <= t} exp(s_j), a cumulative sum. (Tested equal to the module's forward.)
"""

from __future__ import annotations

import torch
from torch import nn

from engine.models.ica_lstm import InputCellAttention
from engine.models.recurrent import run_lstm

BOX_MODELS = ("lstm", "ica_lstm")
MODEL_LABELS = {"lstm": "LSTM", "ica_lstm": "LSTM + input-cell attention"}


def causal_attention(attention: InputCellAttention, x: torch.Tensor) -> torch.Tensor:
    """``attention(x)`` for (B, T, D) inputs, in O(B T^2) memory instead of O(B T^2 r).

    M_t = mean over hops h of sum_{k <= t} exp(s_kh) x_k / sum_{j <= t} exp(s_jh),
    with s = W2 tanh(W1 x) (B, T, r). The exponentials are taken in float64 after
    subtracting each hop's maximum over time, so no prefix sum underflows.
    """
    scores = attention.w2(torch.tanh(attention.w1(x))).double()  # (B, T, r)
    weights = torch.exp(scores - scores.amax(dim=1, keepdim=True))
    totals = torch.cumsum(weights, dim=1)  # (B, T_query, r)
    hops = scores.shape[-1]
    attend = (1.0 / totals) @ weights.transpose(1, 2) / hops  # (B, T_query, T_key)
    causal = torch.ones(x.shape[1], x.shape[1], dtype=torch.bool, device=x.device).tril()
    return (attend * causal).to(x.dtype) @ x


class BoxClassifier(nn.Module):
    """Input dropout -> LSTM (with or without input-cell attention) -> last step -> dropout -> linear.

    Args:
        kind: "lstm" or "ica_lstm".
        num_features: D.
        hidden_size: LSTM width (5 in the paper).
        hops: r of the attention (20).
        width: d_a of the attention (50).
        dropout: input and output dropout (0.1).
    """

    def __init__(self, kind: str, num_features: int = 100, *, hidden_size: int = 5, hops: int = 20,
                 width: int = 50, dropout: float = 0.1) -> None:
        super().__init__()
        if kind not in BOX_MODELS:
            raise ValueError(f"unknown box model {kind!r}; choose from {BOX_MODELS}")
        self.kind = kind
        self.input_dropout = nn.Dropout(dropout)
        self.attention = InputCellAttention(num_features, hops=hops, width=width) if kind == "ica_lstm" else None
        self.lstm = nn.LSTM(num_features, hidden_size, batch_first=True)
        self.output_dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, D) -> (B, 2) logits."""
        x = self.input_dropout(x)
        if self.attention is not None:
            x = causal_attention(self.attention, x)
        out, _ = run_lstm(self.lstm, x)
        return self.head(self.output_dropout(out[:, -1]))
