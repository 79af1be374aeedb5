"""Training end to end on a tiny synthetic set: checkpoints, the metrics log, and resuming."""

from __future__ import annotations

import pytest

from engine.__main__ import main as cli_main
from engine.models.checkpoint import load_checkpoint
from engine.synth import generate_kth_like
from engine.models.train import LOG_FIELDS, read_log

TINY = ["--layout", "folder", "--frames", "4", "--size", "32", "--hidden-size", "8", "--proj-dim", "8",
        "--batch-size", "4", "--device", "cpu"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train") / "data"
    generate_kth_like(folder, 6, 3, num_frames=12, progress=False)
    return folder


def test_training_writes_checkpoints_and_a_log_the_app_reads(data, tmp_path):
    out = tmp_path / "run"
    assert cli_main(["train", "--data", str(data), *TINY, "--epochs", "2", "--out", str(out)]) == 0
    rows = read_log(out / "metrics.csv")
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert set(rows[0]) == set(LOG_FIELDS)
    best = load_checkpoint(out / "best.pt")
    assert best.meta.input_spec.num_frames == 4 and best.meta.classes == ["running", "walking"]
    history = load_checkpoint(out / "last.pt").meta.training["history"]
    assert [round(h["train_loss"], 5) for h in history] == [r["train_loss"] for r in rows]


def test_resume_continues_the_log(data, tmp_path):
    out = tmp_path / "run"
    assert cli_main(["train", "--data", str(data), *TINY, "--epochs", "1", "--out", str(out)]) == 0
    first = read_log(out / "metrics.csv")
    assert cli_main(["train", "--data", str(data), *TINY, "--epochs", "2", "--resume", str(out / "last.pt"),
                     "--out", str(out)]) == 0
    rows = read_log(out / "metrics.csv")
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert rows[0] == first[0]  # the first epoch is kept, not retrained


def test_a_resumed_run_writes_checkpoints_that_load_weights_only(data, tmp_path):
    """The resumed cosine schedule's learning rate is a plain float: numpy scalars in the metadata would make
    ``torch.load(weights_only=True)`` refuse the file."""
    out = tmp_path / "run"
    assert cli_main(["train", "--data", str(data), *TINY, "--epochs", "1", "--out", str(out)]) == 0
    assert cli_main(["train", "--data", str(data), *TINY, "--epochs", "3", "--resume", str(out / "last.pt"),
                     "--out", str(out)]) == 0
    history = load_checkpoint(out / "last.pt").meta.training["history"]
    assert [h["epoch"] for h in history] == [1, 2, 3] and type(history[-1]["lr"]) is float
    assert load_checkpoint(out / "best.pt").meta.classes == ["running", "walking"]
