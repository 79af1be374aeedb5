"""The app with checkpoints of its own: bad files, the Model page, reference checkpoints and model code."""

from __future__ import annotations

import pytest
import torch

from tests.helpers.apptest import assert_no_problem, open_app
from tests.helpers.checkpoints import RunsCode, write_checkpoint


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    folder.mkdir()
    torch.save({"weights": torch.zeros(3)}, folder / "not_a_checkpoint.pt")
    torch.save({"x": RunsCode()}, folder / "runs_code.pt")
    write_checkpoint(folder / "needs_500_frames.pt", frames=500)
    history = [{"epoch": e, "train_loss": 1 / e, "train_acc": 0.5 + e / 20, "val_loss": 1.2 / e,
                "val_acc": 0.5 + e / 25} for e in range(1, 6)]
    write_checkpoint(folder / "small.pt", history=history)
    monkeypatch.setenv("VSE_MODELS_DIR", str(folder))
    return folder


@pytest.mark.parametrize(("name", "message"), [
    ("not_a_checkpoint.pt", "not a model checkpoint"),
    ("runs_code.pt", "could run code"),
    ("needs_500_frames.pt", "at least 500 are needed"),
])
def test_bad_checkpoints_give_a_message(models_dir, name, message):
    at = open_app().run()
    at.selectbox(key="explore_checkpoint").set_value(name).run()
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    at.selectbox(key="explore_checkpoint").set_value("small.pt").run()  # the app keeps working
    assert_no_problem(at)
    assert at.metric[0].value in ("walking", "running")


def test_model_page_card_curves_and_evaluation(models_dir, tmp_path, monkeypatch):
    from engine.synth import generate_kth_like

    data = tmp_path / "data"
    generate_kth_like(data, 2, 0, ("walking", "running"), 20, False)
    monkeypatch.setenv("VSE_DATA_DIR", str(data))
    at = open_app().run()
    at.switch_page("pages/model.py").run()
    at.selectbox(key="model_checkpoint").set_value("small.pt").run()
    assert_no_problem(at)
    card = at.table[0].value
    assert "cnnlstm" in card.to_string() and "1x32x32" in card.to_string()
    assert '"name":"train"' in at.get("plotly_chart")[0].proto.spec  # training curves
    at.selectbox(key="model_subset").set_value("all").run()
    at.button(key="model_evaluate").click().run()
    assert_no_problem(at)
    assert at.metric[0].value.endswith("%") and at.metric[0].delta == "4 clips"
    assert '"type":"heatmap"' in at.get("plotly_chart")[-1].proto.spec


def test_reference_checkpoint_form_then_explore_and_save(tmp_path, monkeypatch):
    """A reference cnn-lstm file in the models folder: the form, then a result, then "Save as project checkpoint"."""
    from tests.helpers.reference_models import PranoyrCNNLSTM, save_as_repository

    folder = tmp_path / "models"
    folder.mkdir()
    torch.manual_seed(0)
    save_as_repository(PranoyrCNNLSTM(num_classes=2, arch="resnet18"), folder / "cnnlstm-Epoch-3.pth",
                       data_parallel=True)
    monkeypatch.setenv("VSE_MODELS_DIR", str(folder))
    at = open_app().run()
    at.selectbox(key="explore_checkpoint").set_value("cnnlstm-Epoch-3.pth").run()
    assert not at.exception
    assert any("recognised as the reference cnn-lstm" in w.value and "resnet18" in w.value for w in at.warning)
    assert at.number_input(key="explore_foreign_frames").value == 16  # the reference's defaults
    assert at.number_input(key="explore_foreign_size").value == 150
    assert at.selectbox(key="explore_foreign_normalise").value == "activitynet-255"
    at.text_input(key="explore_foreign_classes").set_value("walking").run()
    submit = next(b for b in at.button if b.label == "Use this checkpoint")
    submit.click().run()  # one name for two classes
    assert any("exactly 2 class names" in e.value for e in at.error)
    at.text_input(key="explore_foreign_classes").set_value("walking, running")
    at.number_input(key="explore_foreign_frames").set_value(4)
    at.number_input(key="explore_foreign_size").set_value(48)
    next(b for b in at.button if b.label == "Use this checkpoint").click().run()
    assert_no_problem(at)
    assert at.metric[0].value in ("walking", "running")
    assert any("reference layout" in s.value for s in at.success)
    assert any(b.label == "Save as project checkpoint" for b in at.get("download_button"))


MODEL_CODE = '''
import torch
from torch import nn


class Tiny3D(nn.Module):
    layout = "BCTHW"
    in_channels = 1

    def __init__(self, num_classes):
        super().__init__()
        self.conv = nn.Conv3d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3, 4)))


def build(num_classes):
    return Tiny3D(num_classes)
'''


def test_model_code_from_the_server_folder_builds_an_unknown_checkpoint(tmp_path, monkeypatch):
    """A plain state dict in no known layout: with VSE_MODEL_CODE_DIR the app offers the user's code for it."""
    code_dir, models = tmp_path / "code", tmp_path / "models"
    code_dir.mkdir()
    models.mkdir()
    (code_dir / "tiny3d.py").write_text(MODEL_CODE)
    namespace: dict = {}
    exec(MODEL_CODE, namespace)  # the test's own code, to write the weights
    torch.manual_seed(0)
    torch.save(namespace["build"](2).state_dict(), models / "tiny3d.pt")
    monkeypatch.setenv("VSE_MODELS_DIR", str(models))
    at = open_app().run()
    at.selectbox(key="explore_checkpoint").set_value("tiny3d.pt").run()
    assert any("not a model checkpoint in any layout" in e.value for e in at.error)  # no code folder: the loader's message
    monkeypatch.setenv("VSE_MODEL_CODE_DIR", str(code_dir))
    at = open_app().run()
    at.selectbox(key="explore_checkpoint").set_value("tiny3d.pt").run()
    assert not at.exception
    assert at.selectbox(key="explore_code_file").options == ["tiny3d.py"]
    at.text_input(key="explore_code_classes").set_value("walking, running")
    at.number_input(key="explore_code_frames").set_value(8)
    at.number_input(key="explore_code_size").set_value(32)
    at.selectbox(key="explore_code_normalise").set_value("gray")
    next(b for b in at.button if b.label == "Build the model").click().run()
    assert_no_problem(at)
    assert at.metric[0].value in ("walking", "running")


