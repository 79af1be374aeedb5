"""Running an ``nn.LSTM`` so that input gradients work in eval mode on a GPU.

cuDNN refuses RNN backward in eval mode. Flipping ``torch.backends.cudnn``
flags is process-wide (the app serves sessions from threads), so instead, when
gradients are needed outside training on CUDA, the same weights run through an
unrolled LSTM built from matrix products: identical maths, no global switch.
"""

from __future__ import annotations

import torch
from torch import nn


def needs_unrolled(lstm: nn.LSTM, x: torch.Tensor) -> bool:
    """True when cuDNN would refuse the backward pass (eval mode, grad enabled, CUDA)."""
    return x.is_cuda and torch.is_grad_enabled() and not lstm.training


def unrolled_lstm(lstm: nn.LSTM, x: torch.Tensor, state=None) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    """``lstm(x, state)`` for a batch-first, unidirectional LSTM, step by step.

    Args:
        lstm: the module whose weights to use (dropout between layers is skipped: eval only).
        x: (B, T, D) inputs.
        state: optional (h0, c0), each (layers, B, H).

    Returns:
        outputs (B, T, H) of the last layer and (h_n, c_n), each (layers, B, H).
    """
    if not lstm.batch_first or lstm.bidirectional or lstm.proj_size:
        raise ValueError("unrolled_lstm supports batch-first, unidirectional LSTMs without projections")
    b, hidden = x.shape[0], lstm.hidden_size
    h_all, c_all, seq = [], [], x
    for layer in range(lstm.num_layers):
        w_ih, w_hh = getattr(lstm, f"weight_ih_l{layer}"), getattr(lstm, f"weight_hh_l{layer}")
        bias = getattr(lstm, f"bias_ih_l{layer}") + getattr(lstm, f"bias_hh_l{layer}") if lstm.bias else 0
        if state is None:
            h = x.new_zeros(b, hidden)
            c = x.new_zeros(b, hidden)
        else:
            h, c = state[0][layer], state[1][layer]
        projected = seq @ w_ih.T + bias  # all time steps in one product
        outputs = []
        for t in range(seq.shape[1]):
            i, f, g, o = (projected[:, t] + h @ w_hh.T).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outputs.append(h)
        seq = torch.stack(outputs, dim=1)
        h_all.append(h)
        c_all.append(c)
    return seq, (torch.stack(h_all), torch.stack(c_all))


def run_lstm(lstm: nn.LSTM, x: torch.Tensor, state=None):
    """``lstm(x, state)``, unrolled where cuDNN would refuse the input gradient."""
    if needs_unrolled(lstm, x):
        return unrolled_lstm(lstm, x, state)
    return lstm(x, state)
