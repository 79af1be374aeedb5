"""The event experiment over seeds: intervals from hand-made rows, and the bundled models per seed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.models.checkpoint import load_checkpoint, read_payload
from engine.study.event import (EVENT_MODELS, TEST_SEED, EventConfig, event_checkpoints, event_tensors,
                                store_half)
from engine.study.report_event import csv_rows, event_table, shown_rows, verdict
from engine.study.run import default_event_dir
from engine.synth import POSITIONS

T_975_2 = 4.302652729911275  # Student t, 97.5% quantile, 2 degrees of freedom


def seed_row(model, position, seed, acc, wjac_clips, late_mass):
    mass = [(1 - late_mass) / 11] * 11 + [late_mass / 5] * 5  # the late third of 16 frames is 11-15
    n = len(wjac_clips)
    return {"model": model, "position": position, "seed": seed, "test_acc": acc, "test_clips": n,
            "window_mass": 0.3, "timestep_mass": mass, "jac": [0.5] * n, "wjac": list(wjac_clips),
            "auc": [0.7] * n, "euc": [0.9] * n, "es": [0.1] * n}


def test_event_table_takes_mean_and_t_interval_over_seeds():
    rows = [seed_row("cnn_ica_lstm", "early", 0, 0.90, [0.0, 0.2], 0.2),  # clip mean 0.1
            seed_row("cnn_ica_lstm", "early", 1, 1.00, [0.2, 0.2], 0.5),  # 0.2
            seed_row("cnn_ica_lstm", "early", 2, 0.95, [0.3, float("nan")], 0.8),  # 0.3, NaN clip dropped
            seed_row("cnnlstm", "late", 0, 0.5, [0.4, 0.4], 0.25)]
    table = event_table(rows)
    assert [(r["model"], r["position"], r["seeds"]) for r in table] == [("cnn_ica_lstm", "early", 3),
                                                                         ("cnnlstm", "late", 1)]
    ica, lstm = table
    half = T_975_2 * 0.1 / np.sqrt(3)  # sd of (0.1, 0.2, 0.3) is 0.1
    assert ica["wjac"] == pytest.approx(0.2)
    assert (ica["wjac.low"], ica["wjac.high"]) == pytest.approx((0.2 - half, 0.2 + half))
    assert ica["test_acc"] == pytest.approx(0.95)
    assert (ica["test_acc.min"], ica["test_acc.max"]) == (0.90, 1.00)
    assert ica["mass_late"] == pytest.approx(0.5)  # per seed 0.2, 0.5, 0.8
    half_mass = T_975_2 * 0.3 / np.sqrt(3)
    assert (ica["mass_late.low"], ica["mass_late.high"]) == pytest.approx((0.5 - half_mass, 0.5 + half_mass))
    assert ica["timestep_mass"][-1] == pytest.approx(0.5 / 5) and len(ica["timestep_mass_seeds"]) == 3
    assert ica["seed_list"] == [0, 1, 2]
    assert lstm["wjac.low"] == lstm["wjac.high"] == pytest.approx(0.4)  # one seed: no spread
    assert shown_rows(table)[0]["test_acc"] == "0.950 [0.900, 1.000]"
    assert "timestep_mass" not in csv_rows(table)[0] and csv_rows(table)[0]["wjac.low"] == ica["wjac.low"]
    assert any("reached only" not in line and "cnnlstm did not learn" in line for line in verdict(table))


def test_verdict_gives_one_line_per_position_with_intervals():
    rows = []
    for position in POSITIONS:
        for seed in range(3):
            rows.append(seed_row("cnnlstm", position, seed, 0.95, [0.1, 0.1], 0.6))
            rows.append({**seed_row("cnn_ica_lstm", position, seed, 0.95, [0.3, 0.3], 0.2),
                         "window_mass": 0.5 + 0.01 * seed})
    lines = verdict(event_table(rows))
    per_position = [line for line in lines if line.startswith("Event ")]
    assert [line.split()[1] for line in per_position] == list(POSITIONS)
    assert "Event early (frames 0-4; uniform share 31%)" in per_position[0]
    assert "51.0% [48.5%, 53.5%]" in per_position[0]  # 0.51 ± 4.303 * 0.01 / sqrt(3)
    assert "does not vanish" in per_position[0] and "puts more of its saliency" in per_position[0]
    assert "holds here" in lines[-1]


def test_store_half_halves_weights_and_the_model_still_loads(tmp_path):
    from engine.models.checkpoint import CheckpointMeta, save_checkpoint
    from engine.models import get_model
    from engine.io.tensors import InputSpec

    torch.manual_seed(0)
    config = {"num_classes": 2, "in_channels": 1, "proj_dim": 8, "hidden_size": 8}
    model = get_model("cnnlstm", **config)
    spec = InputSpec(num_frames=8, height=24, width=24, channels=1)
    path = save_checkpoint(tmp_path / "m.pt", model, CheckpointMeta("cnnlstm", config, ["up", "down"], spec))
    store_half(path)
    state = read_payload(path)["state_dict"]
    assert all(v.dtype in (torch.float16, torch.int64) for v in state.values())
    loaded = load_checkpoint(path)
    x = torch.randn(2, 8, 1, 24, 24)
    model.eval()
    loaded.model.eval()
    with torch.no_grad():
        assert torch.allclose(loaded.model(x), model(x), atol=1e-2)
    assert loaded.meta.training["stored_dtype"] == "float16"


@pytest.mark.slow  # evaluates all 18 bundled event models on held-out clips
def test_bundled_event_models_exist_per_seed_load_and_learned_the_task():
    cfg = EventConfig()
    expected = event_checkpoints(default_event_dir(), cfg)
    assert len(expected) == len(EVENT_MODELS) * len(POSITIONS) * len(cfg.seeds) >= 18
    missing = [path.name for *_, path in expected if not path.is_file()]
    assert not missing, f"bundled event models missing: {missing}"
    tests = {p: event_tensors(p, cfg.test_per_class, TEST_SEED, cfg) for p in POSITIONS}  # the study's clips
    for model_name, position, seed, path in expected:
        loaded = load_checkpoint(path)
        assert (loaded.meta.model_name, loaded.meta.seed) == (model_name, seed)
        assert loaded.meta.input_spec.num_frames == cfg.num_frames and loaded.meta.input_spec.height == cfg.size
        x, y, _ = tests[position]
        loaded.model.eval()
        with torch.no_grad():
            accuracy = float((loaded.model(x).argmax(1) == y).float().mean())
        assert accuracy >= 0.9, f"{path.name}: held-out accuracy {accuracy:.2f}"


def test_event_section_html_has_table_verdict_plot_and_runs():
    from types import SimpleNamespace

    from engine.study.figures import FigureEmbedder
    from engine.study.report_event import event_html

    rows = [seed_row(m, p, s, 0.95, [0.2, 0.3], 0.5) for p in POSITIONS for m in EVENT_MODELS for s in range(3)]
    page = event_html(rows, FigureEmbedder(), SimpleNamespace(event=EventConfig()))
    assert page.count("<table>") == 2 and page.count("<tr>") == 1 + 6 + 1 + 18  # summary, then every run
    assert "0.950 [0.950, 0.950]" in page and "3 seeds" in page
    assert page.count("Plotly.newPlot") == 1 and page.count("<li>Event ") == 3
    assert "95% Student-t interval over seeds" in page
