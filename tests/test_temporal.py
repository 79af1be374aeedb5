"""Temporal occlusion and TSR: the structure-aware paths equal the plain loops; masks hit frame t."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from engine.models import get_model
from engine.models.registry import MODELS
from engine.saliency import explain
from engine.saliency.context import SaliencyContext
from engine.saliency.methods.temporal_occlusion import drops, occlusion_logits_loop, occlusion_logits_structured
from engine.saliency.methods.tsr import rescale, run_tsr
from engine.saliency.structure import GradientVariants, fill_clip, patch_boxes, patch_variants
from engine.io.tensors import InputSpec

SPEC = InputSpec(num_frames=4, height=16, width=16)
TINY = {"proj_dim": 8, "hidden_size": 8}
PER_FRAME = [name for name in MODELS.names() if MODELS.get(name).per_frame]


def seeded_model(name: str, seed: int = 0) -> nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return get_model(name, **MODELS.get(name).tiny).eval()


def clip(seed: int = 1, frames: int = 4) -> torch.Tensor:
    """(1, T, 1, 16, 16) normalised-looking random clip."""
    return torch.randn(1, frames, 1, 16, 16, generator=torch.Generator().manual_seed(seed))


class OneFrameModel(nn.Module):
    """Logits depend only on frame ``frame``: [0, tanh(w . x_frame) + 0.5 tanh(w . x_frame)^2]."""

    def __init__(self, frame: int, size: int = 16) -> None:
        super().__init__()
        self.frame = frame
        self.weight = nn.Parameter(torch.linspace(-1, 1, size * size).view(1, size, size) / size)

    def frame_features(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh((x * self.weight).flatten(2).sum(-1, keepdim=True))  # (B, T, 1)

    def classify_features(self, feats: torch.Tensor) -> torch.Tensor:
        f = feats[:, self.frame, 0]
        return torch.stack([torch.zeros_like(f), f + 0.5 * f**2], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify_features(self.frame_features(x))


@pytest.mark.parametrize("name", PER_FRAME)
def test_temporal_occlusion_structure_equals_loop(name):
    model, x = seeded_model(name), clip()
    fill_x = fill_clip(x, "blur", SPEC)
    full_a, variants_a = occlusion_logits_structured(model, x, fill_x, batch_size=3)
    full_b, variants_b = occlusion_logits_loop(model, x, fill_x)
    assert variants_a.shape == (4, 2)
    torch.testing.assert_close(full_a, full_b, atol=1e-6, rtol=0)
    torch.testing.assert_close(variants_a, variants_b, atol=1e-6, rtol=0)
    assert (variants_a - full_a).abs().max() > 1e-6  # removing frames does change the logits


def test_temporal_occlusion_only_the_frame_the_model_reads():
    model = OneFrameModel(frame=2)
    result = explain(model, clip()[0], "temporal_occlusion", spec=SPEC, classes=["a", "b"], target=1,
                     params={"fill": "zero"})
    importance = result.temporal_occlusion
    assert importance.shape == (4,)
    assert importance[[0, 1, 3]].tolist() == [0.0, 0.0, 0.0]
    assert abs(importance[2]) > 1e-4
    # the display carries the frame's importance on every pixel
    assert torch.equal(torch.from_numpy(result.attributions[2]), torch.full((1, 16, 16), float(importance[2])))
    # hand check: p(x) - p(x with frame 2 zeroed), where the zeroed frame gives feature 0 -> logits (0, 0)
    f = torch.tanh((clip()[0, 2] * model.weight.detach()).sum())
    p_full = torch.sigmoid(f + 0.5 * f**2)
    assert importance[2] == pytest.approx(float(p_full - 0.5), abs=1e-6)
    assert result.diagnostics["logit_drop"][2] == pytest.approx(float(f + 0.5 * f**2), abs=1e-5)


def test_drops_are_probability_and_logit_differences():
    full = torch.tensor([0.0, 1.0])
    variants = torch.tensor([[0.0, 1.0], [0.0, -1.0]])
    probability_drop, logit_drop = drops(full, variants, target=1)
    assert logit_drop.tolist() == [0.0, 2.0]
    assert probability_drop[0] == 0
    expected = torch.sigmoid(torch.tensor(1.0)) - torch.sigmoid(torch.tensor(-1.0))
    assert probability_drop[1] == pytest.approx(float(expected))


@pytest.mark.parametrize(("name", "base"), [("cnnlstm", "gradient"), ("cnn_ica_lstm", "input_x_gradient")])
def test_tsr_structure_equals_reference_loop(name, base):
    model, x = seeded_model(name), clip()
    ctx = SaliencyContext(model, x, 1, SPEC)
    fast = run_tsr(ctx, base=base, time_threshold=1.0, patch=8, fill="blur")
    slow = run_tsr(ctx, base=base, time_threshold=1.0, patch=8, fill="blur", structured=False)
    assert fast.diagnostics["path"] == "per-frame" and slow.diagnostics["path"] == "generic"
    assert fast.diagnostics["relevant_steps"] == slow.diagnostics["relevant_steps"]
    scale = slow.attributions.abs().max()
    assert scale > 0
    torch.testing.assert_close(fast.attributions, slow.attributions, atol=1e-5 * float(scale), rtol=0)
    # non-relevant steps get zero attribution; relevant ones do not
    relevant = fast.diagnostics["relevant_steps"]
    for t in range(4):
        assert (fast.attributions[t].abs().max() > 0) == (t in relevant)


@pytest.mark.parametrize("times_input", [False, True])
def test_gradient_variants_jacobian_and_vjp_paths_agree(times_input):
    model, x = seeded_model("cnnlstm"), clip()
    frames = torch.cat([patch_variants(x[0, t], torch.zeros_like(x[0, t]), patch_boxes(16, 16, 8)) for t in range(4)])
    positions = torch.arange(4).repeat_interleave(4)
    with_jacobians = GradientVariants(model, x, 1, times_input=times_input, expected_variants=10**6)
    with_vjps = GradientVariants(model, x, 1, times_input=times_input, expected_variants=0)
    assert with_jacobians.jacobians is not None and with_vjps.jacobians is None
    a = with_jacobians.distances(frames, positions)
    b = with_vjps.distances(frames, positions)
    torch.testing.assert_close(a, b, atol=1e-5 * float(b.abs().max()), rtol=0)
    # against the definition: sum |grad(x) - grad(variant)| with full backward passes
    x0 = x.clone().requires_grad_(True)
    (g0,) = torch.autograd.grad(model(x0)[0, 1], x0)
    variant = x.clone()
    variant[0, 2] = frames[9]
    variant.requires_grad_(True)
    (g9,) = torch.autograd.grad(model(variant)[0, 1], variant)
    s0, s9 = (g0 * x, g9 * variant.detach()) if times_input else (g0, g9)
    assert float(a[9]) == pytest.approx(float((s0 - s9).abs().sum()), rel=1e-5)


def test_tsr_masks_frame_t_not_another_frame():
    model, x = OneFrameModel(frame=3), clip(seed=4)
    ctx = SaliencyContext(model, x, 1, SPEC)
    for structured in (True, False):
        out = run_tsr(ctx, base="gradient", time_threshold=1.0, patch=8, fill="zero", structured=structured)
        relevance = out.diagnostics["time_relevance"]
        assert relevance[:3] == [0.0, 0.0, 0.0] and relevance[3] > 0
        assert out.diagnostics["relevant_steps"] == [3]
        assert out.attributions[:3].abs().max() == 0
        assert out.attributions[3].abs().max() > 0


def test_rescale_assembles_time_times_feature_relevance():
    """Hand-made distances: R_t = 1 + t on time variants; patch i of frame t has distance 10 * (i + 1)."""
    x = torch.zeros(1, 3, 1, 4, 4)
    ctx = SaliencyContext(nn.Identity(), x, 0, InputSpec(num_frames=3, height=4, width=4))
    seen = []

    def distances(frames, positions, on_batch=None):
        seen.append(positions.tolist())
        if len(seen) == 1:
            return positions.float() + 1
        return torch.tensor([10.0 * (n % 4 + 1) for n in range(len(positions))])

    out = rescale(ctx, distances, torch.ones(3, 1, 4, 4), patch=2, time_threshold=1.0)
    # mean time relevance is 2: only t = 2 (R = 3) is relevant
    assert seen == [[0, 1, 2], [2, 2, 2, 2]]
    expected = torch.zeros(3, 1, 4, 4)
    expected[2, 0, :2, :2], expected[2, 0, :2, 2:] = 30, 60
    expected[2, 0, 2:, :2], expected[2, 0, 2:, 2:] = 90, 120
    assert torch.equal(out.attributions, expected)


def test_tsr_through_explain_records_diagnostics():
    model = seeded_model("cnnlstm")
    result = explain(model, clip()[0], "tsr", spec=SPEC, classes=["walking", "running"],
                     params={"patch": 8, "time_threshold": 0.5})
    assert result.attributions.shape == (4, 1, 16, 16)
    assert (result.attributions >= 0).all()
    assert result.diagnostics["base"] == "gradient" and result.diagnostics["fill"] == "blur"
    assert len(result.diagnostics["time_relevance"]) == 4


def test_bench_quick_prints_rows_with_matching_results(tmp_path, capsys):
    import json

    from engine.__main__ import main

    out = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    report = json.loads(out.read_text())
    rows = [r for r in report["rows"] if r["kind"] == "structure"]
    assert [r["name"] for r in rows] == ["temporal occlusion (logits)", "temporal deletion curve (logits)",
                                         "TSR over gradient", "TSR over input_x_gradient"]
    for row in rows:
        assert row["max_abs_diff"] < 1e-4 and row["name"] in printed
        assert row["batched_s"] > 0 and row["loop_s"] > 0
    assert "torch" in report["machine"] and "max abs diff" in printed


def test_frame_jacobians_match_autograd_and_skip_dead_features():
    from engine.saliency.structure import frame_jacobians

    model, x = seeded_model("cnnlstm"), clip()
    jacobians = frame_jacobians(model, x[0], batch_size=3)
    assert jacobians.shape == (4, 8, 256)
    for s in (0, 3):
        full = torch.autograd.functional.jacobian(lambda frame: model.frame_features(frame[None, None])[0, 0], x[0, s])
        torch.testing.assert_close(jacobians[s], full.reshape(8, -1), atol=1e-6, rtol=1e-5)
    with torch.no_grad():
        dead = model.frame_features(x)[0] == 0
    assert dead.any()  # the ReLU projection has switched-off features here, whose rows are exactly 0
    assert jacobians[dead].abs().max() == 0
