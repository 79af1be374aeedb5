"""The checkpoint form's surroundings: where it is, what the page says while it waits, converted files."""

from __future__ import annotations

import torch

from engine.models import ForeignSettings, load_checkpoint
from tests.helpers.reference_models import PranoyrCNNLSTM, save_as_repository
from tests.helpers.apptest import assert_no_problem, open_app


def test_waiting_form_is_named_in_the_main_pane_then_a_converted_copy_says_what_it_is(tmp_path, monkeypatch):
    from ui.state import checkpoint_bytes

    folder = tmp_path / "models"
    folder.mkdir()
    torch.manual_seed(0)  # test-only: fixes the random weights
    save_as_repository(PranoyrCNNLSTM(num_classes=2, arch="resnet18"), folder / "ref.pth")
    loaded = load_checkpoint(folder / "ref.pth", foreign=ForeignSettings(("walking", "running"), num_frames=4, size=32))
    (folder / "ref.vse.pt").write_bytes(checkpoint_bytes(loaded, "ref.pth"))
    monkeypatch.setenv("VSE_MODELS_DIR", str(folder))

    at = open_app().run()
    at.selectbox(key="explore_checkpoint").set_value("ref.pth").run()
    assert [i.value for i in at.info] == ["ref.pth needs its settings first: fill in the form above, then press "
                                          "“Use this checkpoint”."]
    assert at.sidebar.text_input == [] and at.main.text_input(key="explore_foreign_classes") is not None  # on the page

    at.selectbox(key="explore_checkpoint").set_value("ref.vse.pt").run()
    assert_no_problem(at)
    assert not any("needs its settings" in i.value for i in at.info)
    assert any(c.value.startswith("A project checkpoint converted from ref.pth (reference layout)")
               for c in at.caption), [c.value for c in at.caption]
    assert not any("Loaded as" in s.value for s in at.success)
    assert not any(b.label == "Save as project checkpoint" for b in at.get("download_button"))
    assert at.metric[0].value in ("walking", "running")
