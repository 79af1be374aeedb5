"""Reference CNN-LSTM checkpoints, saved as their repositories save them, load and compute the same function."""

import numpy as np
import pytest
import torch

from engine.models.checkpoint import CheckpointError, load_checkpoint
from engine.models.foreign_checkpoint import ForeignSettings, NeedsSettings
from engine.io.tensors import ACTIVITYNET_MEAN, frames_to_tensor
from tests.helpers.reference_models import PranoyrCNNLSTM, SeedAttentionCNNLSTM, SeedCNNLSTM, save_as_repository

CLASSES = ("walking", "running")


def _compare(reference, path, frames=3, size=64, classes=CLASSES, **settings):
    """Asserts equal logits and input gradients (1e-5) between the reference class and the loaded file.

    In float64: the reference runs the CNN frame by frame and ours on all frames at once, so in
    float32 a random-init ResNet-101's gradients differ by summation order alone (3.7e-4 of their
    maximum seen); in float64 that noise is gone and any real difference in the function remains.
    """
    loaded = load_checkpoint(path, foreign=ForeignSettings(classes=classes, **settings))
    reference.eval().double()
    torch.manual_seed(5)
    x = torch.randn(2, frames, 3, size, size, dtype=torch.float64)
    x_ref, x_ours = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    ref_logits, our_logits = reference(x_ref), loaded.model.double()(x_ours)
    torch.testing.assert_close(our_logits, ref_logits, rtol=1e-5, atol=1e-5)
    ref_logits[:, 1].sum().backward()
    our_logits[:, 1].sum().backward()
    scale = x_ref.grad.abs().max()
    assert scale > 0
    torch.testing.assert_close(x_ours.grad / scale, x_ref.grad / scale, rtol=1e-5, atol=1e-5)
    return loaded


@pytest.mark.parametrize("arch", ["resnet18", *(pytest.param(arch, marks=pytest.mark.slow)  # full-size ResNets
                                    for arch in ("resnet34", "resnet50", "resnet101"))])
def test_reference_cnnlstm_each_depth_with_data_parallel_prefix(tmp_path, arch):
    torch.manual_seed(0)
    reference = PranoyrCNNLSTM(num_classes=2, arch=arch, cnn_grad=True)
    save_as_repository(reference, tmp_path / "cnnlstm-Epoch-4-Loss-0.3.pth", epoch=4, data_parallel=True)
    loaded = _compare(reference, tmp_path / "cnnlstm-Epoch-4-Loss-0.3.pth")
    meta = loaded.meta
    assert meta.model_config["backbone"] == arch and meta.model_config["proj_activation"] == "none"
    assert meta.classes == list(CLASSES) and meta.training["epoch"] == 4
    assert meta.training["source_layout"] == "reference"
    spec = meta.input_spec  # the reference's defaults: 16 frames at 150 px, 0-255 minus ActivityNet means
    assert (spec.num_frames, spec.height, spec.channels, spec.pixel_scale) == (16, 150, 3, 255.0)
    assert spec.mean == ACTIVITYNET_MEAN and spec.std == (1.0, 1.0, 1.0)


def test_seed_variants_nested_keys_and_plain_state_dict(tmp_path):
    torch.manual_seed(1)
    seed = SeedCNNLSTM(num_classes=3, arch="resnet18")
    torch.save(seed.state_dict(), tmp_path / "plain.pt")  # a bare state dict, no wrapper
    loaded = _compare(seed, tmp_path / "plain.pt", classes=("a", "b", "c"))
    spec = loaded.meta.input_spec  # the seed trained with 30 frames at 120 px, [0,1] minus ActivityNet means
    assert (spec.num_frames, spec.height, spec.pixel_scale, spec.mean) == (30, 120, 1.0, ACTIVITYNET_MEAN)
    assert loaded.meta.training["source_layout"] == "seed"


@pytest.mark.slow  # a ResNet-50 reference model in float64
def test_seed_attention_variant_loads_as_the_plain_cnnlstm_it_computes(tmp_path):
    torch.manual_seed(2)
    attention = SeedAttentionCNNLSTM(num_classes=2, arch="resnet50")
    save_as_repository(attention, tmp_path / "att.pth")
    loaded = _compare(attention, tmp_path / "att.pth", frames=4)
    assert loaded.meta.training["source_layout"] == "seed-attention"
    assert "attends to its own frame alone" in loaded.meta.training["note"]


def test_without_class_names_the_message_names_the_layout_and_the_flag(tmp_path):
    torch.manual_seed(0)
    save_as_repository(PranoyrCNNLSTM(num_classes=2, arch="resnet18"), tmp_path / "ref.pth")
    with pytest.raises(NeedsSettings, match=r"reference cnn-lstm.*resnet18.*--classes NAME1 NAME2") as info:
        load_checkpoint(tmp_path / "ref.pth")
    assert info.value.recognised.num_classes == 2
    with pytest.raises(NeedsSettings, match="3 class names were given"):
        load_checkpoint(tmp_path / "ref.pth", foreign=ForeignSettings(classes=("a", "b", "c")))


def test_overrides_of_frames_size_and_normalisation(tmp_path):
    torch.manual_seed(0)
    save_as_repository(PranoyrCNNLSTM(num_classes=2, arch="resnet18"), tmp_path / "ref.pth")
    loaded = load_checkpoint(tmp_path / "ref.pth", foreign=ForeignSettings(
        classes=CLASSES, num_frames=8, size=112, normalise="imagenet"))
    spec = loaded.meta.input_spec
    assert (spec.num_frames, spec.height, spec.pixel_scale) == (8, 112, 1.0)
    with pytest.raises(CheckpointError, match="Unknown architecture preset"):
        load_checkpoint(tmp_path / "ref.pth", foreign=ForeignSettings(classes=CLASSES, preset="nope"))


def test_reference_normalisation_is_its_dataloader_function():
    """0-255 pixels minus the ActivityNet means, divided by 1: ToTensor(norm_value=1) then Normalize(mean, 1)."""
    from engine.io.tensors import normalised_spec

    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, size=(2, 150, 150, 3), dtype=np.uint8)
    x = frames_to_tensor(frames, normalised_spec(2, 150, 3, normalise="activitynet-255"))
    expected = torch.from_numpy(frames).float().permute(0, 3, 1, 2) - torch.tensor(ACTIVITYNET_MEAN).view(1, 3, 1, 1)
    assert torch.equal(x, expected)


def test_unknown_layout_lists_what_was_found_and_what_is_known(tmp_path):
    torch.save({"state_dict": {"encoder.w": torch.zeros(2, 3), "cls.b": torch.zeros(2)}, "epoch": 1}, tmp_path / "x.pt")
    with pytest.raises(CheckpointError, match=r"(?s)any layout this tool knows.*encoder\.\* \(1\).*Known layouts.*fc_layers"):
        load_checkpoint(tmp_path / "x.pt", foreign=ForeignSettings(classes=CLASSES))


def test_saved_as_project_checkpoint_loads_alone_and_computes_the_same(tmp_path):
    """The app's "Save as project checkpoint" bytes: full metadata, no settings needed, same logits."""
    from ui.state import checkpoint_bytes

    torch.manual_seed(3)
    save_as_repository(SeedCNNLSTM(num_classes=2, arch="resnet18"), tmp_path / "seed.pth")
    loaded = load_checkpoint(tmp_path / "seed.pth", foreign=ForeignSettings(classes=CLASSES, num_frames=5))
    (tmp_path / "saved.pt").write_bytes(checkpoint_bytes(loaded, "seed.pth"))
    again = load_checkpoint(tmp_path / "saved.pt")
    assert again.meta.classes == list(CLASSES) and again.meta.input_spec == loaded.meta.input_spec
    assert again.meta.training["converted_from"] == "seed.pth"  # it says what it is when loaded again
    assert again.meta.training["source_sha256"] == loaded.meta.sha256
    assert "converted_from" not in loaded.meta.training  # the shared loaded model is left as it was
    x = torch.randn(1, 5, 3, 48, 48)
    with torch.no_grad():
        assert torch.equal(again.model(x), loaded.model(x))
