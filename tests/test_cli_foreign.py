"""The commands a researcher types for a reference checkpoint: inspect, classify, saliency, convert, train."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.__main__ import main as cli_main
from engine.models.checkpoint import load_checkpoint
from engine.synth import generate_kth_like
from engine.models.train import read_log
from tests.helpers.reference_models import PranoyrCNNLSTM, SeedCNNLSTM, save_as_repository

SMALL = ["--frames", "4", "--size", "48"]  # keep ResNet-18 quick on 2 cores


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("foreign")
    torch.manual_seed(0)
    reference = PranoyrCNNLSTM(num_classes=2, arch="resnet18", cnn_grad=True).eval()
    save_as_repository(reference, root / "cnnlstm-Epoch-2-Loss-0.5.pth", epoch=2, data_parallel=True)
    torch.manual_seed(1)
    save_as_repository(SeedCNNLSTM(num_classes=2, arch="resnet18"), root / "seed.pth", epoch=5)
    data = root / "data"
    generate_kth_like(data, 3, 3, num_frames=12, progress=False)
    return {"root": root, "ref": root / "cnnlstm-Epoch-2-Loss-0.5.pth", "seed": root / "seed.pth", "data": data,
            "clip": next(data.rglob("*.avi")), "reference": reference}


def test_inspect_names_the_format_architecture_and_parameters(files, capsys):
    assert cli_main(["inspect", str(files["ref"])]) == 0
    out = capsys.readouterr().out
    assert "a training checkpoint (epoch 2)" in out and "resnet18" in out and "LSTM 3x256" in out
    params = sum(p.numel() for p in files["reference"].parameters())
    assert f"{params:,}" in out
    assert "--classes NAME1 NAME2" in out


def test_classify_needs_class_names_then_matches_the_reference(files, capsys):
    assert cli_main(["classify", str(files["clip"]), "--checkpoint", str(files["ref"])]) == 2
    assert "--classes NAME1 NAME2" in capsys.readouterr().err
    assert cli_main(["classify", str(files["clip"]), "--checkpoint", str(files["ref"]), "--classes", "walking",
                     "running", *SMALL, "--json"]) == 0
    import json

    row = json.loads(capsys.readouterr().out)[0]
    loaded = load_checkpoint(files["ref"], foreign=_settings(num_frames=4, size=48))
    from engine.io.tensors import clip_to_tensor
    from engine.io.video import read_clip

    clip = read_clip(files["clip"], 4, frame_step=1)
    x = clip_to_tensor(clip, loaded.meta.input_spec).unsqueeze(0)
    with torch.no_grad():
        expected = torch.softmax(files["reference"](x), 1)[0]
    assert row["probabilities"]["running"] == pytest.approx(float(expected[1]), abs=1e-5)


def _settings(**kw):
    from engine.models.foreign_checkpoint import ForeignSettings

    return ForeignSettings(classes=("walking", "running"), **kw)


def test_convert_then_every_step_takes_the_file(files, tmp_path, capsys):
    out = tmp_path / "seed_converted.pt"
    assert cli_main(["convert", str(files["seed"]), "--out", str(out), "--classes", "walking", "running",
                     *SMALL]) == 0
    converted = load_checkpoint(out)  # no settings needed any more
    assert converted.meta.classes == ["walking", "running"] and converted.meta.training["source_layout"] == "seed"
    assert converted.meta.input_spec.num_frames == 4
    result = tmp_path / "r.npz"
    assert cli_main(["saliency", str(files["clip"]), "--checkpoint", str(out), "--method", "gradient",
                     "--out", str(result)]) == 0
    with np.load(result, allow_pickle=False) as npz:
        assert any(np.abs(npz[k]).sum() > 0 for k in npz.files if k.startswith("attr"))
    assert cli_main(["convert", str(out), "--out", str(out)]) == 2  # never overwrites its own source


def test_saliency_on_the_reference_file_directly(files, tmp_path):
    result = tmp_path / "r.npz"
    assert cli_main(["saliency", str(files["clip"]), "--checkpoint", str(files["ref"]), "--classes", "walking",
                     "running", *SMALL, "--method", "gradient", "--out", str(result)]) == 0
    assert result.is_file()


@pytest.mark.slow  # trains a ResNet-18 CNN-LSTM for 3 epochs and 1 more
def test_train_init_from_and_resume_a_reference_checkpoint(files, tmp_path, capsys):
    common = ["--data", str(files["data"]), "--layout", "folder", "--classes", "running", "walking", *SMALL,
              "--batch-size", "4", "--device", "cpu", "--epochs", "3"]
    out = tmp_path / "resumed"
    assert cli_main(["train", *common, "--resume_path", str(files["ref"]), "--out", str(out)]) == 0
    rows = read_log(out / "metrics.csv")
    assert [int(r["epoch"]) for r in rows] == [3]  # the reference saved epoch 2: training goes on at 3
    best = load_checkpoint(out / "best.pt")
    assert best.meta.model_config["proj_activation"] == "none" and best.meta.model_config["backbone"] == "resnet18"
    assert best.meta.classes == ["running", "walking"]
    fine = tmp_path / "fine"
    assert cli_main(["train", *common, "--epochs", "1", "--init-from", str(files["seed"]), "--out", str(fine)]) == 0
    assert [int(r["epoch"]) for r in read_log(fine / "metrics.csv")] == [1]


def test_train_from_an_unknown_file_is_a_message_not_a_traceback(files, tmp_path, capsys):
    bad = tmp_path / "other.pth"
    torch.save({"epoch": 1, "state_dict": {"net.w": torch.zeros(3)}}, bad)
    assert cli_main(["train", "--data", str(files["data"]), "--layout", "folder", "--init-from", str(bad),
                     "--out", str(tmp_path / "x")]) == 2
    assert "any layout this tool knows" in capsys.readouterr().err


def test_train_arch_builds_the_reference_shape(files, tmp_path):
    out = tmp_path / "arch"
    assert cli_main(["train", "--data", str(files["data"]), "--layout", "folder", "--arch", "cnnlstm-reference",
                     "--backbone", "resnet18", *SMALL, "--batch-size", "4", "--device", "cpu", "--epochs", "1",
                     "--out", str(out)]) == 0
    meta = load_checkpoint(out / "best.pt").meta
    assert meta.model_config["head_hidden"] == 128 and meta.model_config["hidden_size"] == 256
    assert meta.model_config["proj_activation"] == "none" and meta.model_config["num_layers"] == 3
    spec = meta.input_spec
    assert spec.pixel_scale == 255.0 and spec.std == (1.0, 1.0, 1.0) and spec.channels == 3
