"""The frame-difference input stem: exact differences, background invariance, saliency on the raw frames."""

from __future__ import annotations

import pytest
import torch

from engine.io.tensors import InputSpec
from engine.models import get_model
from engine.models.base import per_frame
from engine.models.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from engine.models.motion import MotionStem, frame_differences

TEMPORAL = ["cnnlstm", "cnn_ica_lstm", "c3d"]


def tiny(name: str, motion: str) -> torch.nn.Module:
    extra = dict(width=4) if name == "c3d" else dict(proj_dim=8, hidden_size=8)
    torch.manual_seed(0)
    return get_model(name, num_classes=2, in_channels=1, motion=motion, **extra).eval()


def test_frame_differences_are_exact_and_zero_at_the_first_step():
    x = torch.tensor([1.0, 4.0, 9.0, 7.0]).view(1, 4, 1, 1, 1)
    assert frame_differences(x).flatten().tolist() == [0.0, 3.0, 5.0, -2.0]
    both = MotionStem("frames+diff")(x.expand(2, 4, 3, 2, 2))
    assert both.shape == (2, 4, 6, 2, 2)
    assert torch.equal(both[:, :, :3], x.expand(2, 4, 3, 2, 2)) and both[0, 2, 3:].eq(5.0).all()
    with pytest.raises(ValueError, match="motion must be one of"):
        MotionStem("flow")


@pytest.mark.parametrize("name", TEMPORAL)
def test_a_difference_model_ignores_a_static_background(name):
    """Adding the same image to every frame changes no difference, so not the logits; a frames model changes."""
    generator = torch.Generator().manual_seed(1)
    x = torch.rand(2, 6, 1, 32, 32, generator=generator)
    background = torch.rand(1, 1, 1, 32, 32, generator=generator) * 10
    with torch.no_grad():
        diff_model, frames_model = tiny(name, "diff"), tiny(name, "frames")
        assert torch.allclose(diff_model(x), diff_model(x + background), atol=1e-5)
        assert not torch.allclose(frames_model(x), frames_model(x + background), atol=1e-4)


@pytest.mark.parametrize("name", TEMPORAL)
@pytest.mark.parametrize("motion", ["diff", "frames+diff"])
def test_gradients_reach_every_raw_frame_and_structure_is_declared(name, motion):
    model = tiny(name, motion)
    x = torch.rand(1, 6, 1, 32, 32, requires_grad=True)
    model(x)[0, 1].backward()
    per_step = x.grad.abs().sum(dim=(0, 2, 3, 4))
    assert x.grad.shape == x.shape and bool((per_step > 0).all())
    assert per_frame(model) is False  # step t reads frame t - 1: no exact per-frame fast path
    assert per_frame(tiny(name, "frames")) is (name != "c3d")


@pytest.mark.parametrize("name", TEMPORAL)
def test_checkpoints_carry_the_stem_and_old_configs_mean_frames(name, tmp_path):
    model = tiny(name, "diff")
    config = {"num_classes": 2, "in_channels": 1, "motion": "diff",
              **(dict(width=4) if name == "c3d" else dict(proj_dim=8, hidden_size=8))}
    path = save_checkpoint(tmp_path / "m.pt", model, CheckpointMeta(name, config, ["running", "walking"], InputSpec()))
    loaded = load_checkpoint(path)
    x = torch.rand(1, 16, 1, 64, 64)
    with torch.no_grad():
        assert torch.equal(loaded.model(x), model(x))
    plain = tiny(name, "frames")
    old = {k: v for k, v in config.items() if k != "motion"}  # a checkpoint written before the stem existed
    path = save_checkpoint(tmp_path / "old.pt", plain, CheckpointMeta(name, old, ["running", "walking"], InputSpec()))
    with torch.no_grad():
        assert torch.equal(load_checkpoint(path).model(x), plain(x))
    assert set(plain.state_dict()) == set(model.state_dict())  # the stem adds no weights
