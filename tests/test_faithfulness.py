"""Deletion/insertion curves and the randomisation sanity check, on hand-made models with exact answers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine.evaluation.faithfulness import deletion_insertion, randomisation_check, reinitialise
from engine.models import get_model
from engine.io.tensors import InputSpec


class LinearClipModel(nn.Module):
    """Frame feature f_t = sum(w * x_t) (one weight map for all frames); logits = head(f) over time.

    With the default head the target logit is sum_t f_t, so w * x is exactly each pixel's contribution.
    """

    def __init__(self, weight: torch.Tensor, frames: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight)
        self.head = nn.Linear(frames, 2)
        with torch.no_grad():
            self.head.weight.copy_(torch.stack([torch.zeros(frames), torch.ones(frames)]))
            self.head.bias.zero_()

    def frame_features(self, x: torch.Tensor) -> torch.Tensor:
        return (x * self.weight).flatten(2).sum(-1, keepdim=True)  # (B, T, 1)

    def classify_features(self, feats: torch.Tensor) -> torch.Tensor:
        return self.head(feats[..., 0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify_features(self.frame_features(x))


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-np.asarray(v, dtype=np.float64)))


def trapezoid(y):
    y = np.asarray(y, dtype=np.float64)
    return float(np.sum((y[1:] + y[:-1]) / 2) / (len(y) - 1))


def test_temporal_curves_match_hand_computation():
    contributions = np.array([0.5, 3.0, 1.0, 2.0])
    x = torch.from_numpy(contributions).float().view(4, 1, 1, 1).expand(4, 1, 4, 4) / 16
    model = LinearClipModel(torch.ones(1, 4, 4), frames=4)
    display = x[:, 0].numpy().copy()
    out = deletion_insertion(model, x, display, 1, mode="temporal", fill="zero", spec=InputSpec(4, 4, 4), seed=3)
    assert out["order"].tolist() == [1, 3, 2, 0]
    removed = np.cumsum(np.r_[0.0, contributions[[1, 3, 2, 0]]])  # 0, 3, 5, 6, 6.5
    expected_deletion = sigmoid(contributions.sum() - removed)
    expected_insertion = sigmoid(removed)
    np.testing.assert_allclose(out["fractions"], [0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(out["deletion_scores"], expected_deletion, atol=1e-6)
    np.testing.assert_allclose(out["insertion_scores"], expected_insertion, atol=1e-6)
    assert out["deletion_auc"] == pytest.approx(trapezoid(expected_deletion), abs=1e-6)
    assert out["insertion_auc"] == pytest.approx(trapezoid(expected_insertion), abs=1e-6)
    assert np.all(np.diff(out["deletion_scores"]) < 0) and np.all(np.diff(out["insertion_scores"]) > 0)
    # the saliency order is the best possible: random orders fall between
    assert out["deletion_auc"] < out["random_deletion_auc"] < out["insertion_auc"]
    assert out["deletion_auc"] < out["random_insertion_auc"] < out["insertion_auc"]


def test_spatial_curves_on_a_linear_model():
    patch_values = np.array([[0.1, 0.8, 0.3, 0.5], [0.2, 0.7, 0.4, 0.6]])  # frame, patch (row-major 2 x 2)
    x = torch.zeros(2, 1, 4, 4)
    for t in range(2):
        for p in range(4):
            i, j = divmod(p, 2)
            x[t, 0, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2] = patch_values[t, p] / 4
    model = LinearClipModel(torch.ones(1, 4, 4), frames=2)
    display = x[:, 0].numpy().copy()  # exactly the contribution of each pixel
    out = deletion_insertion(model, x, display, 1, mode="spatial", patch=2, steps=8, fill="zero",
                             spec=InputSpec(2, 4, 4))
    removed = np.cumsum(np.r_[0.0, np.sort(patch_values.ravel())[::-1]])
    np.testing.assert_allclose(out["fractions"], np.arange(9) / 8)
    np.testing.assert_allclose(out["deletion_scores"], sigmoid(patch_values.sum() - removed), atol=1e-6)
    np.testing.assert_allclose(out["insertion_scores"], sigmoid(removed), atol=1e-6)
    assert np.all(np.diff(out["deletion_scores"]) < 0)
    assert out["deletion_auc"] < out["insertion_auc"]
    assert out["deletion_auc"] == pytest.approx(trapezoid(sigmoid(patch_values.sum() - removed)), abs=1e-6)


def test_spatial_curve_endpoints_on_a_cnn_lstm():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = get_model("cnnlstm", proj_dim=8, hidden_size=8).eval()
    x = torch.randn(4, 1, 16, 16, generator=torch.Generator().manual_seed(2))
    display = np.abs(x[:, 0].numpy())
    out = deletion_insertion(model, x, display, 0, mode="spatial", patch=4, steps=5, spec=InputSpec(4, 16, 16))
    assert out["fractions"].tolist() == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0], abs=0.02)
    with torch.no_grad():
        full = torch.softmax(model(x[None]), 1)[0, 0].item()
    assert out["deletion_scores"][0] == pytest.approx(full, abs=1e-6)
    assert out["insertion_scores"][-1] == pytest.approx(full, abs=1e-6)
    assert out["deletion_scores"][-1] == pytest.approx(out["insertion_scores"][0], abs=1e-6)  # all fill


def test_randomisation_check_itself_vs_reinitialised():
    weight = torch.randn(1, 6, 6, generator=torch.Generator().manual_seed(5))
    model = LinearClipModel(weight, frames=3)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.rand(3, 1, 6, 6, generator=torch.Generator().manual_seed(6)) + 0.5
    kwargs = {"spec": InputSpec(3, 6, 6), "classes": ["a", "b"], "target": 1}
    same = randomisation_check(model, x, "gradient", layers="none", **kwargs)
    assert same["spearman_abs"] == pytest.approx(1.0) and same["spearman_signed"] == pytest.approx(1.0)
    randomised = randomisation_check(model, x, "gradient", layers="all", seed=1, **kwargs)
    assert randomised["spearman_abs"] < 0.9 and randomised["spearman_signed"] < 0.9
    cascade = randomisation_check(model, x, "gradient", layers="cascade", seed=1, **kwargs)
    assert [step["module"] for step in cascade["cascade"]] == ["head", "(model)"]
    assert cascade["spearman_abs"] == pytest.approx(randomised["spearman_abs"])
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_reinitialise_is_seeded_and_resets_norms():
    layers = [nn.Linear(4, 3), nn.BatchNorm1d(3)]
    with torch.no_grad():
        layers[1].weight.fill_(5.0)
    first = nn.Linear(4, 3)
    reinitialise(first, torch.Generator().manual_seed(9))
    reinitialise(layers[0], torch.Generator().manual_seed(9))
    reinitialise(layers[1], torch.Generator().manual_seed(9))
    assert torch.equal(first.weight, layers[0].weight) and torch.equal(first.bias, layers[0].bias)
    assert first.weight.abs().max() <= 0.5  # +-1/sqrt(4)
    assert layers[1].weight.tolist() == [1.0, 1.0, 1.0] and layers[1].bias.tolist() == [0.0, 0.0, 0.0]


def test_temporal_curves_of_the_generic_path_equal_the_per_frame_fast_path():
    """A model without per-frame structure gets the same curves from whole clips as the feature-cached path."""
    torch.manual_seed(0)
    model = get_model("cnnlstm", num_classes=2, in_channels=1, proj_dim=8, hidden_size=8).eval()
    spec = InputSpec(6, 32, 32, 1)
    x = torch.randn(6, 1, 32, 32)
    display = np.random.default_rng(0).uniform(size=(6, 32, 32))
    fast = deletion_insertion(model, x, display, 1, mode="temporal", spec=spec)
    model.per_frame = False  # declares no structure: the generic path runs
    generic = deletion_insertion(model, x, display, 1, mode="temporal", spec=spec)
    for key in ("deletion_scores", "insertion_scores", "random_deletion_scores", "random_insertion_scores"):
        np.testing.assert_allclose(generic[key], fast[key], atol=1e-5)
