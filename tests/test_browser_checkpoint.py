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
    page = chromium.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(app_url)
    sidebar = page.locator("[data-testid=stSidebar]")
    main = page.locator("[data-testid=stMain]")
    main.get_by_text("Frame 1 / ", exact=False).first.wait_for(timeout=WAIT_MS)  # the bundled model's first result
    _upload_checkpoint(page, path)
    main.get_by_text("recognised as the reference cnn-lstm", exact=False).wait_for(timeout=WAIT_MS)
    main.get_by_text(f"{path.name} needs its settings first: fill in the form above", exact=False).wait_for()
    assert main.get_by_text("Choose a checkpoint and a clip").count() == 0
    button = main.get_by_role("button", name="Use this checkpoint")
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 1000, box  # seen without scrolling at 1500x1000
    main.get_by_label("Class names", exact=False).fill("walking, running")
    main.get_by_label("Frames per clip").fill("4")
    main.get_by_label("Input size (px)").fill("64")
    _screenshot(page, tmp_path, "reference_checkpoint_form", full_page=False)
    button.click()
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
    assert meta.training["converted_from"] == path.name

    page.reload()  # the saved file uploaded again: no form, says what it is, no second conversion
    main.get_by_text("Frame 1 / ", exact=False).first.wait_for(timeout=WAIT_MS)
    _upload_checkpoint(page, saved)
    main.get_by_text("Frame 1 / 4", exact=False).first.wait_for(timeout=WAIT_MS)
    sidebar.get_by_text(f"A project checkpoint converted from {path.name}", exact=False).wait_for()
    assert sidebar.get_by_role("button", name="Save as project checkpoint").count() == 0
    assert sidebar.get_by_text("Loaded as").count() == 0
    _screenshot(page, tmp_path, "converted_checkpoint_again", full_page=False)
    page.close()


def test_one_file_in_two_sessions_with_other_settings_shows_each_its_own_result(app_url, chromium, tmp_path):
    """Issue 17's reproduction: session A at 8 frames / 112 px, then session B with the form's defaults (16 / 150)."""
    torch.manual_seed(1)
    path = tmp_path / "ref.pth"
    save_as_repository(PranoyrCNNLSTM(num_classes=2, arch="resnet18"), path)
    for frames, size in ((8, 112), (None, None)):
        context = chromium.new_context(viewport={"width": 1500, "height": 1000})  # a new browser session
        page = context.new_page()
        page.goto(app_url)
        main = page.locator("[data-testid=stMain]")
        main.get_by_text("Frame 1 / ", exact=False).first.wait_for(timeout=WAIT_MS)
        _upload_checkpoint(page, path)
        main.get_by_label("Class names", exact=False).fill("walking, running")
        if frames:
            main.get_by_label("Frames per clip").fill(str(frames))
            main.get_by_label("Input size (px)").fill(str(size))
        main.get_by_role("button", name="Use this checkpoint").click()
        expected = frames or 16  # the form's default: the reference's 16 frames at 150 px
        main.get_by_text(f"Frame 1 / {expected}", exact=False).first.wait_for(timeout=WAIT_MS)
        page.locator("[data-testid=stSidebar]").get_by_text("Checkpoint card").click()
        page.locator("[data-testid=stSidebar]").get_by_text(f"3x{size or 150}x{size or 150}").first.wait_for()
        _screenshot(page, tmp_path, f"session_{expected}_frames", full_page=False)
        context.close()


def _upload_checkpoint(page, path: Path) -> None:
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.locator("[data-testid=stSelectbox]").filter(has_text="Checkpoint").first.click()
    page.get_by_role("option", name="Upload a checkpoint…").click()
    sidebar.get_by_text("up to 300 MB", exact=False).first.wait_for(timeout=WAIT_MS)
    sidebar.locator("input[type=file]").set_input_files(str(path))


def _screenshot(page, folder: Path, name: str, full_page: bool = True) -> None:
    shot = folder / f"{name}.png"
    page.screenshot(path=str(shot), full_page=full_page)
    if os.environ.get("VSE_SCREENSHOTS"):
        Path(os.environ["VSE_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(os.environ["VSE_SCREENSHOTS"]) / shot.name)
