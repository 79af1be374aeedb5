"""Helpers shared by the Captum-based and gradient-sampling methods.

* :func:`private_copy`: a structural copy of a model that shares its parameters,
  so hooks (Captum's DeepLift, Guided Backprop, Grad-CAM) never touch the
  caller's model, which the app shares between session threads.
* :func:`unshare_nonlinearities`: gives every call of a reused activation module
  (torchvision ResNet blocks call ``self.relu`` twice) its own module, which
  Captum's DeepLift needs: it stores each activation's input on the module.
* :class:`ProgressScore`: the target score as a forward function that reports
  progress (and so honours cancel) each time Captum calls it.
* :func:`sampled_gradients`: input gradients at many points, in batches, with progress.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from engine.saliency.context import SaliencyContext

# Module types whose every call Captum's DeepLift hooks store state on.
HOOKED_NONLINEARITIES = (nn.ReLU, nn.ELU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Softplus,
                         nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.Softmax)


def private_copy(model: nn.Module) -> nn.Module:
    """A copy of ``model``'s modules that shares its parameters and buffers, in eval mode.

    Hooks registered on the copy never reach ``model``; no weights are duplicated.
    """
    memo = {id(t): t for t in (*model.parameters(), *model.buffers())}
    clone = copy.deepcopy(model, memo)
    return clone.eval()


class CallOrderActivation(nn.Module):
    """Stands in for an activation module called ``calls`` times per forward pass.

    The i-th call of a forward pass runs the i-th private copy, so each copy is
    used exactly once (the counter is reset by :class:`UnsharedModel`).
    """

    def __init__(self, module: nn.Module, calls: int) -> None:
        super().__init__()
        self.copies = nn.ModuleList(copy.deepcopy(module) for _ in range(calls))
        self.position = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        module = self.copies[self.position % len(self.copies)]
        self.position += 1
        return module(x)


class UnsharedModel(nn.Module):
    """Wraps a model whose reused activations were replaced by :class:`CallOrderActivation`."""

    def __init__(self, model: nn.Module, replacements: list[CallOrderActivation]) -> None:
        super().__init__()
        self.model = model
        self.replacements = replacements  # plain list: already children of ``model``

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for replacement in self.replacements:
            replacement.position = 0
        return self.model(x)


def count_activation_calls(model: nn.Module, x: torch.Tensor) -> dict[int, int]:
    """id(module) -> number of calls in one forward pass on ``x``, for hooked nonlinearities."""
    counts: dict[int, int] = {}
    handles = []
    for module in model.modules():
        if type(module) in HOOKED_NONLINEARITIES:
            handles.append(module.register_forward_hook(
                lambda m, _inp, _out: counts.__setitem__(id(m), counts.get(id(m), 0) + 1)))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return counts


def unshare_nonlinearities(model: nn.Module, x: torch.Tensor) -> nn.Module:
    """A private copy of ``model`` in which no activation module runs twice per forward.

    Args:
        model: the caller's model (left unchanged).
        x: (1, T, C, H, W) an input to trace which activations are reused.

    Returns:
        a module computing the same function as ``model`` (an :class:`UnsharedModel`
        when something was reused, else the plain private copy).
    """
    clone = private_copy(model)
    counts = count_activation_calls(clone, x[:1])
    reused = {key: calls for key, calls in counts.items() if calls > 1}
    if not reused:
        return clone
    replacements: dict[int, CallOrderActivation] = {}
    for parent in list(clone.modules()):
        for child_name, child in list(parent.named_children()):
            if id(child) in reused:
                if id(child) not in replacements:
                    replacements[id(child)] = CallOrderActivation(child, reused[id(child)])
                setattr(parent, child_name, replacements[id(child)])
    return UnsharedModel(clone, list(replacements.values())).eval()


class ProgressScore:
    """``ctx.score`` as a Captum forward function that reports progress on every call.

    Args:
        ctx: the saliency context.
        stage: progress label.
        expected_calls: calls that make 100% (fractions are capped at 1).
    """

    def __init__(self, ctx: SaliencyContext, stage: str, expected_calls: int) -> None:
        self.ctx = ctx
        self.stage = stage
        self.expected_calls = max(1, expected_calls)
        self.calls = 0

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        """(B, T, C, H, W) -> (B,) target logit."""
        self.ctx.progress(self.stage, self.calls / self.expected_calls)
        self.calls += 1
        return self.ctx.score(batch)


def input_gradient(ctx: SaliencyContext, points: torch.Tensor) -> torch.Tensor:
    """Gradient of the target logit at each point: (B, T, C, H, W) -> (B, T, C, H, W)."""
    with torch.enable_grad():
        points = points.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(ctx.score(points).sum(), points)
    return grad


def sampled_gradients(ctx: SaliencyContext, points: torch.Tensor, batch_size: int, stage: str) -> torch.Tensor:
    """Input gradients at ``points`` (N, T, C, H, W), ``batch_size`` at a time, with progress."""
    grads = []
    for start in range(0, len(points), batch_size):
        ctx.progress(stage, start / len(points))
        grads.append(input_gradient(ctx, points[start:start + batch_size]))
    return torch.cat(grads)


def input_range(x: torch.Tensor) -> float:
    """max(x) - min(x), or 1 for a constant input (the scale of relative noise levels)."""
    spread = float(x.max() - x.min())
    return spread if spread > 0 else 1.0


def leaf_input(x: torch.Tensor) -> torch.Tensor:
    """A detached copy of ``x`` that requires grad (Captum then leaves it as is and does not warn)."""
    return x.detach().clone().requires_grad_(True)
