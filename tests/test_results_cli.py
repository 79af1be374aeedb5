"""``python -m engine results``: a batch run's store listed, filtered, exported (one CSV row per result), removed."""

from __future__ import annotations

import csv
import io

import pytest
import torch

from engine.__main__ import main
from engine.io.tensors import InputSpec
from engine.models import get_model
from engine.models.checkpoint import CheckpointMeta, save_checkpoint
from engine.store import Filters, Store
from tests.helpers.media import moving_blob_frames, write_video


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """``saliency --data`` over 4 clips x 2 methods with a tiny model, into its default store (the --out folder)."""
    root = tmp_path_factory.mktemp("results")
    torch.manual_seed(0)  # test-only: fixes the tiny model's weights
    meta = CheckpointMeta("cnnlstm", {"proj_dim": 8, "hidden_size": 8}, ["walking", "running"],
                          InputSpec(num_frames=6, height=32, width=32, channels=1))
    checkpoint = save_checkpoint(root / "tiny.pt", get_model("cnnlstm", proj_dim=8, hidden_size=8), meta)
    for label, step in (("walking", 1), ("running", 3)):
        (root / "data" / label).mkdir(parents=True)
        for k in range(2):
            write_video(root / "data" / label / f"{label}_{k}.avi", moving_blob_frames(12 + k, 48, 64, step=step))
    out = root / "out"
    assert main(["saliency", "--data", str(root / "data"), "--subset", "all", "--methods", "gradient,gradcam",
                 "--workers", "1", "--checkpoint", str(checkpoint), "--device", "cpu", "--out", str(out)]) == 0
    return out


def test_results_lists_one_line_per_result_with_filters(batch, capsys):
    assert main(["results", str(batch)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:4] == ["clip_name", "label", "model", "method"]
    assert len(lines) == 1 + 8 + 1 and lines[-1] == "8 of 8 results"
    assert main(["results", str(batch), "--class", "running", "--method", "gradcam"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "2 of 8 results"
    assert all(line.split()[1:4] == ["running", "tiny", "gradcam"] for line in lines[1:-1])
    store = Store(batch, create=False)
    right = store.count(Filters(correct=True))
    assert main(["results", str(batch), "--wrong"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == f"{8 - right} of 8 results"


def test_results_csv_has_one_row_per_result(batch, tmp_path, capsys):
    assert main(["results", str(batch), "--csv", str(tmp_path / "all.csv"), "--sort", "metric:flow.pearson"]) == 0
    with open(tmp_path / "all.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    store = Store(batch, create=False)
    assert len(rows) == store.count() == 8 and len({r["key"] for r in rows}) == 8
    assert {r["method"] for r in rows} == {"gradient", "gradcam"} and "metric.flow.pearson" in rows[0]
    values = [float(r["metric.flow.pearson"]) for r in rows if r["metric.flow.pearson"]]
    assert values == sorted(values, reverse=True)
    assert "thumb" not in rows[0] and all(r["result"].endswith(".npz") for r in rows)


def test_remove_asks_first(batch, monkeypatch, capsys):
    store = Store(batch, create=False)
    files = [store.result_path(r) for r in store.query(Filters(methods=("gradcam",)))]
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["results", str(batch), "--remove", "--method", "gradcam"]) == 1
    assert store.count() == 8 and all(f.is_file() for f in files)
    assert main(["results", str(batch), "--remove"]) == 2  # neither a model nor a method
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert main(["results", str(batch), "--remove", "--method", "gradcam"]) == 0
    assert store.count() == 4 and not any(f.exists() for f in files)
    assert main(["results", str(batch / "nowhere")]) == 2
    assert "not a result store" in capsys.readouterr().err
    assert main(["results", str(batch), "--sort", "metric:nope"]) == 2
    assert "flow.pearson" in capsys.readouterr().err  # the message names the metrics there are
