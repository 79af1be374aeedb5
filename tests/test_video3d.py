"""3D CNNs and video transformers: layout adapter, declared structure, presets, weight files and checkpoints."""

from __future__ import annotations

import pytest
import torch
import torchvision

from engine.__main__ import main as cli_main
from engine.models.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from engine.models import MODELS, get_model
from engine.models.video3d import TORCHVISION_VIDEO, torchvision_preset
from engine.io.tensors import NORMALISATIONS, PRESETS, InputSpec


def test_adapter_feeds_the_network_channels_first_exactly():
    torch.manual_seed(0)
    model = get_model("r3d_18", num_classes=3, tiny=True).eval()  # the adapter is the same for any width
    x = torch.randn(2, 4, 3, 32, 32)  # (B, T, C, H, W)
    with torch.no_grad():
        assert torch.equal(model(x), model.net(x.permute(0, 2, 1, 3, 4)))
    gray = get_model("c3d", num_classes=2, in_channels=1).eval()
    assert gray(torch.randn(1, 8, 1, 32, 32)).shape == (1, 2)


@pytest.mark.parametrize("name", ["c3d", "r3d_18", "mc3_18", "r2plus1d_18"])
def test_cam_stages_have_the_declared_time_stride(name):
    """Each declared stage's output has T / stride time steps (what 3D Grad-CAM maps back)."""
    channels = 1 if name == "c3d" else 3
    model = get_model(name, num_classes=2, in_channels=channels).eval()
    shapes = {}
    hooks = [m.register_forward_hook(lambda _m, _i, out, k=k: shapes.__setitem__(k, out.shape))
             for k, m in model.cnn_stages.items()]
    with torch.no_grad():
        model(torch.randn(1, 16, channels, 32, 32))
    for hook in hooks:
        hook.remove()
    assert model.per_frame is False and set(shapes) == set(model.temporal_strides)
    for stage, stride in model.temporal_strides.items():
        assert shapes[stage][2] == 16 // stride, (stage, shapes[stage])


@pytest.mark.parametrize("name", ["r3d_18", "mc3_18", "r2plus1d_18"])
def test_tiny_video_resnets_are_torchvisions_class_with_its_stages_at_a_test_size(name):
    """The registration's tiny configuration: the same VideoResNet and convolution builders, far fewer weights."""
    full, tiny = getattr(torchvision.models.video, name)(weights=None), MODELS.get(name).build_tiny().net
    assert type(tiny) is type(full) and list(dict(tiny.named_children())) == list(dict(full.named_children()))
    convs = [type(m.conv1[0]) for m in (tiny.layer1[0], tiny.layer2[0], tiny.layer3[0], tiny.layer4[0])]
    assert convs == [type(m.conv1[0]) for m in (full.layer1[0], full.layer2[0], full.layer3[0], full.layer4[0])]
    assert sum(p.numel() for p in tiny.parameters()) < 50_000 < 10_000_000 < sum(p.numel() for p in full.parameters())


@pytest.mark.parametrize("name", list(TORCHVISION_VIDEO))
def test_presets_are_torchvisions_documented_ones(name):
    preset, documented = PRESETS[name], torchvision_preset(name)
    _scale, mean, std = NORMALISATIONS[preset["normalise"]]
    assert (preset["num_frames"], preset["size"]) == (documented["num_frames"], documented["size"])
    assert mean == pytest.approx(documented["mean"]) and std == pytest.approx(documented["std"])
    assert len(documented["categories"]) == 400


def test_published_state_dict_loads_by_path_and_converts_with_kinetics_names(tmp_path, capsys):
    torch.manual_seed(1)
    published = torchvision.models.video.mc3_18(weights=None)  # stands in for the published file
    torch.save(published.state_dict(), tmp_path / "mc3_18-a90a0ba3.pth")
    fine = get_model("mc3_18", num_classes=2, weights_path=str(tmp_path / "mc3_18-a90a0ba3.pth"))
    own = fine.net.state_dict()
    assert all(torch.equal(own[k], v) for k, v in published.state_dict().items() if not k.startswith("fc."))
    assert own["fc.weight"].shape == (2, 512)  # a fresh head for 2 classes
    out = tmp_path / "mc3.pt"
    assert cli_main(["convert", str(tmp_path / "mc3_18-a90a0ba3.pth"), "--model", "mc3_18", "--out", str(out),
                     "--frames", "4"]) == 0
    loaded = load_checkpoint(out)
    assert loaded.meta.model_name == "mc3_18" and len(loaded.meta.classes) == 400
    assert loaded.meta.classes[:2] == ["abseiling", "air drumming"]
    spec = loaded.meta.input_spec
    assert (spec.num_frames, spec.height, spec.mean) == (4, 112, NORMALISATIONS["kinetics"][1])
    x = torch.randn(1, 4, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(loaded.model(x), published.eval()(x.transpose(1, 2)))
    assert cli_main(["inspect", str(tmp_path / "mc3_18-a90a0ba3.pth"), "--model", "mc3_18"]) == 0
    assert f"{sum(p.numel() for p in published.parameters()):,}" in capsys.readouterr().out


def test_bundled_style_checkpoint_round_trip(tmp_path):
    torch.manual_seed(2)
    model = get_model("c3d", num_classes=2, in_channels=1, width=8)
    meta = CheckpointMeta("c3d", {"num_classes": 2, "in_channels": 1, "width": 8}, ["walking", "running"],
                          InputSpec(8, 32, 32, 1))
    loaded = load_checkpoint(save_checkpoint(tmp_path / "c3d.pt", model, meta))
    x = torch.randn(1, 8, 1, 32, 32)
    with torch.no_grad():
        assert torch.equal(loaded.model(x), model.eval()(x))


USER_MODEL = '''
import torch
from torch import nn


class Tiny3D(nn.Module):
    layout = "BCTHW"  # declares its own layout: the project's adapter feeds it (B, C, T, H, W)
    in_channels = 3

    def __init__(self, num_classes):
        super().__init__()
        self.conv = nn.Conv3d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x):
        return self.fc(self.conv(x).mean(dim=(2, 3, 4)))


def build(num_classes=2):
    return Tiny3D(num_classes)
'''


def test_model_code_builds_the_users_model_and_loads_a_plain_state_dict(tmp_path, capsys):
    import json
    import sys

    code = tmp_path / "my_model.py"
    code.write_text(USER_MODEL)
    sys.path.insert(0, str(tmp_path))
    try:
        import my_model
    finally:
        sys.path.remove(str(tmp_path))
    torch.manual_seed(4)
    mine = my_model.build(num_classes=2).eval()
    torch.save(mine.state_dict(), tmp_path / "weights.pth")
    from tests.helpers.media import moving_blob_frames, write_video

    clip = write_video(tmp_path / "blob.avi", moving_blob_frames(12))
    args = ["classify", str(clip), "--checkpoint", str(tmp_path / "weights.pth"), "--model-code",
            f"{code}:build", "--classes", "left", "right", "--frames", "4", "--size", "32", "--normalise", "imagenet",
            "--json"]
    assert cli_main(args) == 0
    row = json.loads(capsys.readouterr().out)[0]
    from engine.commands.common import load_model
    from engine.__main__ import build_parser
    from engine.io.tensors import clip_to_tensor
    from engine.io.video import read_clip

    loaded = load_model(build_parser().parse_args(args))
    x = clip_to_tensor(read_clip(clip, 4, frame_step=2), loaded.meta.input_spec).unsqueeze(0)
    with torch.no_grad():
        expected = torch.softmax(mine(x.transpose(1, 2)), 1)[0]
    assert row["probabilities"]["right"] == pytest.approx(float(expected[1]), abs=1e-5)
    assert cli_main(["classify", str(clip), "--checkpoint", str(tmp_path / "weights.pth"), "--model-code",
                     f"{code}:missing", "--classes", "a", "b"]) == 2
    assert "has no function 'missing'" in capsys.readouterr().err


@pytest.mark.slow  # trains the full-size R(2+1)D-18 (the command line builds the published network)
def test_train_fine_tunes_a_torchvision_model_with_a_frozen_backbone(tmp_path):
    from engine.synth import generate_kth_like

    data = tmp_path / "data"
    generate_kth_like(data, 3, 3, num_frames=10, progress=False)
    published = torchvision.models.video.r2plus1d_18(weights=None)
    torch.save(published.state_dict(), tmp_path / "r2plus1d.pth")
    out = tmp_path / "run"
    assert cli_main(["train", "--data", str(data), "--layout", "folder", "--model", "r2plus1d_18", "--weights",
                     str(tmp_path / "r2plus1d.pth"), "--freeze-backbone", "--frames", "4", "--size", "32",
                     "--epochs", "1", "--batch-size", "4", "--device", "cpu", "--out", str(out)]) == 0
    loaded = load_checkpoint(out / "best.pt")
    spec = loaded.meta.input_spec
    assert spec.channels == 3 and spec.mean == NORMALISATIONS["kinetics"][1]  # the model's preset, not gray
    trained, start = loaded.model.net.state_dict(), published.state_dict()
    assert torch.equal(trained["layer1.0.conv1.0.0.weight"], start["layer1.0.conv1.0.0.weight"])  # frozen
    torch.manual_seed(0)  # train seeds with --seed 0 before building: this is the head it started from
    initial = get_model("r2plus1d_18", num_classes=2, in_channels=3).net.state_dict()
    assert not torch.equal(trained["fc.weight"], initial["fc.weight"])  # the head trained


def test_train_help_names_every_registered_model(capsys):
    from engine.models.registry import MODELS

    with pytest.raises(SystemExit):
        cli_main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert all(name in text for name in MODELS.names())
