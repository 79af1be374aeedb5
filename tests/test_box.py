"""The box experiments of Ismail et al. (NeurIPS 2019): data, models, training, scores, report."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.models.ica_lstm import InputCellAttention
from engine.study.box import BoxConfig, gradient_saliency, run_box, score_saliency, thirds_share
from engine.study.box_models import BoxClassifier, causal_attention
from engine.study.report_box import box_summary, comparison_text, verdict
from engine.synth.box import BOXES, box_mask, make_box_data, write_box_data


@pytest.mark.parametrize(("box", "steps", "features"), [
    ("TopBox", [(0, 30)], [(10, 90)]),
    ("BottomBox", [(70, 100)], [(10, 90)]),
    ("MiddleBox", [(20, 80)], [(20, 80)]),
    ("ThreeUpperBoxes", [(0, 40)] * 3, [(0, 30), (35, 65), (70, 100)]),
    ("ThreeMiddleBoxes", [(25, 65)] * 3, [(0, 30), (35, 65), (70, 100)]),
])
def test_the_box_lies_where_the_paper_puts_it(box, steps, features):
    expected = np.zeros((100, 100), bool)
    for (t0, t1), (f0, f1) in zip(steps, features):
        expected[t0:t1, f0:f1] = True
    assert np.array_equal(box_mask(box), expected)
    data = make_box_data(box, 400, seed=3)
    assert data.x.shape == (400, 100, 100) and data.x.dtype == np.float32
    assert sorted(np.bincount(data.y)) == [200, 200]
    sign = 2.0 * data.y - 1.0  # label -1 or +1
    inside = data.x[:, expected] * sign[:, None]  # box cells ~ N(label, 1): mean label
    outside = data.x[:, ~expected] * sign[:, None]
    assert inside.mean() == pytest.approx(1.0, abs=0.02) and inside.std() == pytest.approx(1.0, abs=0.02)
    assert outside.mean() == pytest.approx(0.0, abs=0.02) and outside.std() == pytest.approx(1.0, abs=0.02)
    assert np.array_equal(make_box_data(box, 10, seed=3).x, make_box_data(box, 10, seed=3).x)


def test_box_files(tmp_path):
    paths = write_box_data(tmp_path, "TopBox", train=6, test=4)
    with np.load(paths[0]) as train, np.load(paths[1]) as test:
        assert train["x"].shape == (6, 100, 100) and test["y"].shape == (4,)
        assert np.array_equal(train["mask"], box_mask("TopBox"))


def test_fast_causal_attention_equals_the_projects_module():
    torch.manual_seed(0)
    attention = InputCellAttention(7, hops=3, width=5)
    with torch.no_grad():
        attention.w2.weight.mul_(20.0)  # sharp attention: large score differences
    x = torch.randn(2, 9, 7, dtype=torch.float64)
    attention.double()
    torch.testing.assert_close(causal_attention(attention, x), attention(x))


def test_thirds_and_scores_of_a_hand_made_map():
    saliency = np.zeros((1, 6, 4))
    saliency[0, 5, :] = 1.0  # everything on the last step
    np.testing.assert_allclose(thirds_share(saliency), [[0.0, 0.0, 1.0]])
    mask = np.zeros((6, 4), bool)
    mask[0:2, :] = True
    scores = score_saliency(saliency, mask)
    assert scores["wjac"] == 0.0 and scores["step_mass"][5] == 1.0
    assert scores["auc"] == pytest.approx(0.375)  # box cells (0) tie with 12 of the 16 others, lose to 4: 6 / 16


@pytest.mark.parametrize(("kind", "box"), [("lstm", "BottomBox"), *(pytest.param("ica_lstm", box, marks=pytest.mark.slow)
                                                                   for box in ("TopBox", "BottomBox"))])
def test_one_short_training_run_learns(kind, box):
    # Fewer samples and epochs than the study: the plain LSTM learns the late box, the attention
    # model the early one too (the paper: 100% on both), and their saliency finds the box's third.
    cfg = BoxConfig(boxes=(box,), train=300, val=100, test=100, max_epochs=8)
    torch.set_num_threads(1)
    row = run_box(box, kind, seed=0, cfg=cfg)
    assert row["test_acc"] >= 0.9
    assert row["val_acc"] >= 0.9 and 1 <= row["best_epoch"] <= row["epochs"] <= 8
    third = "mass_early" if box == "TopBox" else "mass_late"
    assert row[third] > 0.25  # uniform would be 1/3; a vanished early box gets ~0
    assert np.isfinite([row[k] for k in ("jac", "wjac", "euc", "auc", "es")]).all()


def test_gradient_saliency_is_per_sample_and_non_negative():
    torch.manual_seed(0)
    model = BoxClassifier("ica_lstm", 6, hops=2, width=3).eval()
    x, y = torch.randn(3, 5, 6), torch.tensor([0, 1, 0])
    together = gradient_saliency(model, x, y)
    alone = gradient_saliency(model, x[1:2], y[1:2])
    assert together.shape == (3, 5, 6) and (together >= 0).all()
    np.testing.assert_allclose(together[1:2], alone, rtol=1e-5, atol=1e-9)


def _row(box, model, seed, acc, wjac, euc, early, late):
    return {"box": box, "model": model, "seed": seed, "test_acc": acc, "epochs": 3, "jac": 0.1, "wjac": wjac,
            "euc": euc, "auc": 0.5, "es": 0.0, "mass_early": early, "mass_middle": 1 - early - late,
            "mass_late": late, "step_mass": [0.5, 0.5]}


def test_summary_table_and_verdict():
    rows = [_row("TopBox", "lstm", s, 0.5, 0.0, 1.0, 0.0, 1.0) for s in range(3)]
    rows += [_row("TopBox", "ica_lstm", s, 1.0, 0.1 + 0.01 * s, 0.9, 0.4, 0.3) for s in range(3)]
    summary = box_summary(rows)
    ica = next(r for r in summary if r["model"] == "ica_lstm")
    assert ica["wjac"] == pytest.approx(0.11)
    assert ica["wjac.low"] == pytest.approx(0.11 - 4.302653 * 0.01 / np.sqrt(3), abs=1e-5)  # t(0.975, 2)
    text = comparison_text(summary)
    assert "paper" in text and "0.107" in text  # the published TopBox WJac of the attention model
    line, spread = verdict(summary)
    assert "AUC is 0.500-0.500" in spread
    assert line.startswith("TopBox") and "reproduces the paper's finding" in line and "vanishes" in line
    flipped = box_summary([{**r, "wjac": 0.0} if r["model"] == "ica_lstm" else r for r in rows])
    assert "does not reproduce" in verdict(flipped)[0]


def test_boxes_table_covers_the_specification():
    assert set(BOXES) == {"TopBox", "BottomBox", "MiddleBox", "ThreeUpperBoxes", "ThreeMiddleBoxes"}
    assert replace(BoxConfig(), seeds=(0,)).seeds == (0,) and len(BoxConfig().seeds) >= 3


def test_t_interval_by_hand():
    from engine.evaluation.stats import t_interval

    mean, low, high = t_interval([1.0, 2.0, 3.0])  # sd 1, t(0.975, 2) = 4.302653
    assert mean == 2.0 and high - mean == pytest.approx(4.302653 / np.sqrt(3), rel=1e-6) and low < mean
    assert t_interval([5.0]) == (5.0, 5.0, 5.0)
    assert all(np.isnan(t_interval([np.nan])))


def test_study_cli_box_options(tmp_path):
    import argparse

    from engine.commands.study import add_arguments, config_from_args
    from engine.errors import UserError

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    cfg = config_from_args(parser.parse_args(["--sections", "ica-box", "--boxes", "TopBox", "--box-seeds", "4"]))
    assert cfg.sections == ("ica-box",) and cfg.box.boxes == ("TopBox",) and cfg.box.seeds == (0, 1, 2, 3)
    with pytest.raises(UserError):
        config_from_args(parser.parse_args(["--boxes", "SideBox"]))


@pytest.mark.slow  # trains both box models (2 epochs) and writes the report
def test_study_section_writes_table_report_and_prints_the_papers_values(tmp_path, capsys):
    from engine.study.run import StudyConfig, run_study

    out = tmp_path / "report"
    small = BoxConfig(boxes=("BottomBox",), seeds=(0,), train=200, val=50, test=50, max_epochs=2)
    run_study(StudyConfig(out_dir=str(out), sections=("ica-box",), box=small))
    printed = capsys.readouterr().out
    assert "BottomBox" in printed and "paper" in printed and "0.110" in printed  # published WJac, attention model
    page = (out / "index.html").read_text()
    assert "Reproducing Ismail et al." in page and "code selected on test accuracy" in page
    assert (out / "box.csv").read_text().count("BottomBox") == 2  # one row per model


@pytest.mark.slow  # trains twice, once in two spawned processes
def test_rows_do_not_depend_on_the_number_of_worker_processes():
    from engine.study.box import run_box_experiment

    cfg = BoxConfig(boxes=("BottomBox",), seeds=(0,), train=60, val=20, test=20, max_epochs=1)
    torch.set_num_threads(1)
    alone = run_box_experiment(cfg, progress=False)
    parallel = run_box_experiment(cfg, progress=False, workers=2)
    assert [(r["model"], r["seed"]) for r in parallel] == [("lstm", 0), ("ica_lstm", 0)]
    for a, b in zip(alone, parallel):
        assert b["test_acc"] == a["test_acc"] and b["wjac"] == pytest.approx(a["wjac"], rel=1e-5)
