"""Class activation maps on one layer: per frame (2D stages) or over time (3D stages).

A per-frame model's CNN stage gives activations A of shape (T, K, h, w), one map per
frame; a 3D model's stage gives (1, K, T', h, w), with T' = T / stride (the stride the
model declares in ``temporal_strides``). With G = dS/dA for the target score S:

* Grad-CAM: ReLU(sum_k w_k A_k), w_k the mean of G_k over the map (over h, w per frame;
  over T', h, w for a 3D stage);
* Grad-CAM++: w_k = sum over the map of alpha * ReLU(G_k), alpha = G^2 / (2 G^2 + sum_map A G^3)
  (alpha = 0 where the denominator is 0), the paper's closed form;
* HiResCAM: ReLU(sum_k G_k * A_k), element-wise (no averaging of the gradient);
* LayerCAM: ReLU(sum_k ReLU(G_k) * A_k);
* Score-CAM: ReLU(sum_k alpha_k A_k), alpha = softmax over k of p_target(X * M_k), M_k the map
  A_k upsampled to the clip and min-max scaled to [0, 1] (no gradient at all).

Maps go back to the clip's (T, H, W) by linear interpolation (bilinear per frame; trilinear
for 3D stages, ``align_corners=False``): time step t' of a stage with stride s covers frames
t's .. (t'+1)s - 1, and its value sits at the centre of that span, frame (t' + 0.5)s - 0.5.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

CAM_RULES = ("gradcam", "gradcam++", "hirescam", "layercam")


def capture(model: nn.Module, x: torch.Tensor, layer: nn.Module, target: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Activations A of ``layer`` and gradients dS/dA of the target score for clip ``x`` (1, T, C, H, W)."""
    store = {}
    handle = layer.register_forward_hook(lambda _m, _i, out: store.__setitem__("a", out))
    try:
        with torch.enable_grad():  # the input requires grad, so even a stage that passes it through has a gradient
            score = model(x.detach().requires_grad_(True))[:, target].sum()
            (grad,) = torch.autograd.grad(score, store["a"])
    finally:
        handle.remove()
    return store["a"].detach(), grad.detach()


def _map_dims(a: torch.Tensor) -> tuple[int, ...]:
    return tuple(range(2, a.dim()))


def combine(rule: str, a: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """The (N, [T',] h, w) map of a gradient rule (see the module docstring) from A and G (N, K, ...)."""
    dims = _map_dims(a)
    if rule == "gradcam":
        return F.relu((g.mean(dim=dims, keepdim=True) * a).sum(1))
    if rule == "gradcam++":
        g2, g3 = g.pow(2), g.pow(3)
        denominator = 2 * g2 + (a * g3).sum(dim=dims, keepdim=True)
        alpha = torch.where(denominator != 0, g2 / torch.where(denominator != 0, denominator, 1), 0)
        weights = (alpha * F.relu(g)).sum(dim=dims, keepdim=True)
        return F.relu((weights * a).sum(1))
    if rule == "hirescam":
        return F.relu((g * a).sum(1))
    if rule == "layercam":
        return F.relu((F.relu(g) * a).sum(1))
    raise ValueError(f"unknown CAM rule {rule!r}; one of {CAM_RULES}")


def to_clip(cam: torch.Tensor, frames: int, height: int, width: int) -> torch.Tensor:
    """A (T, h, w) per-frame map or a (1, T', h, w) 3D map -> (T, H, W) by (bi|tri)linear interpolation."""
    if cam.dim() == 4:  # (1, T', h, w): a 3D stage
        return F.interpolate(cam.unsqueeze(1), size=(frames, height, width), mode="trilinear",
                             align_corners=False)[0, 0]
    return F.interpolate(cam.unsqueeze(1), size=(height, width), mode="bilinear", align_corners=False)[:, 0]


def channel_masks(a: torch.Tensor, frames: int, height: int, width: int,
                  channels: slice = slice(None)) -> torch.Tensor:
    """Score-CAM's masks of ``channels``: each map upsampled to (T, H, W) and min-max scaled -> (k, T, H, W)."""
    if a.dim() == 5:  # (1, K, T', h, w)
        up = F.interpolate(a[:, channels], size=(frames, height, width), mode="trilinear", align_corners=False)[0]
    else:  # (T, K, h, w)
        up = F.interpolate(a[:, channels], size=(height, width), mode="bilinear", align_corners=False).transpose(0, 1)
    flat = up.reshape(up.shape[0], -1)
    low, high = flat.min(1).values, flat.max(1).values
    scale = torch.where(high > low, high - low, torch.ones_like(high))
    return up.sub_(low.view(-1, 1, 1, 1)).div_(scale.view(-1, 1, 1, 1))


def score_weights(model: nn.Module, x: torch.Tensor, activations: torch.Tensor, target: int, per_pass: int,
                  on_batch=None) -> torch.Tensor:
    """alpha (K,): softmax over k of p_target(x * mask_k), ``per_pass`` masked clips per forward.

    The masks of a pass are made for that pass only (:func:`channel_masks`), so memory holds
    ``per_pass`` of them, never all K (at 150 px, 16 frames and 1,024 channels all K take 1.5 GB).
    """
    frames, _channels, height, width = x.shape[1:]
    count = activations.shape[1]
    scores = []
    with torch.no_grad():
        for start in range(0, count, per_pass):
            chunk = channel_masks(activations, frames, height, width, slice(start, start + per_pass))  # (V, T, H, W)
            masked = x * chunk.unsqueeze(2)  # (V, T, C, H, W)
            del chunk
            scores.append(torch.softmax(model(masked), dim=1)[:, target])
            del masked
            if on_batch is not None:
                on_batch(min(1.0, (start + per_pass) / count))
    return torch.softmax(torch.cat(scores), dim=0)
