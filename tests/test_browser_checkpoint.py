"""In Chromium: uploading a reference cnn-lstm checkpoint, the form, a result, and "Save as project checkpoint"."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import torch

from engine.models.checkpoint import load_checkpoint
from tests.helpers.reference_models import PranoyrCNNLSTM, save_as_repository

pytestmark = pytest.mark.browser

WAIT_MS = 180_000


def test_upload_reference_checkpoint_fill_form_explore_and_save(app_url, chromium, tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "cnnlstm-Epoch-7-Loss-0.21.pth"
    save_as_repository(PranoyrCNNLSTM(num_classes=2, arch="resnet18"), path, epoch=7, data_parallel=True)
    page = chromium.new_page(viewport={"width": 1500, "height": 1200})
    page.goto(app_url)
    sidebar = page.locator("[data-testid=stSidebar]")
    main = page.locator("[data-testid=stMain]")
    main.get_by_text("Frame 1 / ", exact=False).first.wait_for(timeout=WAIT_MS)  # the bundled model's first result
    sidebar.locator("[data-testid=stSelectbox]").filter(has_text="Checkpoint").first.click()
    page.get_by_role("option", name="Upload a checkpoint…").click()
    sidebar.get_by_text("up to 300 MB", exact=False).first.wait_for(timeout=WAIT_MS)
    sidebar.locator("input[type=file]").set_input_files(str(path))
    sidebar.get_by_text("recognised as the reference cnn-lstm", exact=False).wait_for(timeout=WAIT_MS)
    sidebar.get_by_label("Class names", exact=False).fill("walking, running")
    sidebar.get_by_label("Frames per clip").fill("4")
    sidebar.get_by_label("Input size (px)").fill("64")
    _screenshot(page, tmp_path, "reference_checkpoint_form")
    sidebar.get_by_role("button", name="Use this checkpoint").click()
    main.get_by_text("Frame 1 / 4", exact=False).first.wait_for(timeout=WAIT_MS)
    assert main.get_by_text("Prediction").count() >= 1
    page.wait_for_timeout(3000)  # let the panels arrive for the picture
    _screenshot(page, tmp_path, "explore_reference_checkpoint")
    with page.expect_download(timeout=WAIT_MS) as download:
        sidebar.get_by_role("button", name="Save as project checkpoint").click()
    saved = tmp_path / "saved.pt"
    download.value.save_as(saved)
    meta = load_checkpoint(saved).meta  # loads alone now: full metadata
    assert meta.classes == ["walking", "running"] and meta.input_spec.num_frames == 4
    assert meta.model_config["backbone"] == "resnet18" and meta.model_config["proj_activation"] == "none"
    page.close()


def _screenshot(page, folder: Path, name: str) -> None:
    shot = folder / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("VSE_SCREENSHOTS"):
        Path(os.environ["VSE_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(os.environ["VSE_SCREENSHOTS"]) / shot.name)
