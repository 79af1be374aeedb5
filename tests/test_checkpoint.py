import os
import pickle

import pytest
import torch

from engine.models.checkpoint import CheckpointError, CheckpointMeta, load_checkpoint, save_checkpoint
from engine.models import get_model
from engine.io.tensors import InputSpec

SPEC = InputSpec(4, 32, 32, 1, (0.5,), (0.25,))


def _saved(tmp_path, name="cnnlstm"):
    torch.manual_seed(0)
    config = {"num_classes": 2, "in_channels": 1, "proj_dim": 8, "hidden_size": 8}
    model = get_model(name, **config)
    meta = CheckpointMeta(name, config, ["walking", "running"], SPEC, training={"val_acc": 0.9}, seed=3)
    return model, save_checkpoint(tmp_path / "model.pt", model, meta)


@pytest.mark.parametrize("name", ["cnnlstm", "cnn_ica_lstm"])
def test_round_trip_keeps_weights_and_metadata(tmp_path, name):
    model, path = _saved(tmp_path, name)
    loaded = load_checkpoint(path)
    assert loaded.meta.model_name == name
    assert loaded.meta.classes == ["walking", "running"]
    assert loaded.meta.input_spec == SPEC
    assert loaded.meta.seed == 3 and loaded.meta.training["val_acc"] == 0.9
    assert len(loaded.meta.sha256) == 64
    assert not loaded.model.training
    x = torch.randn(1, 4, 1, 32, 32)
    assert torch.allclose(loaded.model(x), model.eval()(x))


class _Boom:
    def __reduce__(self):
        return (os.system, ("touch PWNED_BY_CHECKPOINT",))


def test_pickle_that_would_run_code_is_refused_without_running(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pt"
    torch.save({"format": "vse-checkpoint/1", "state_dict": {}, "payload": _Boom()}, path)
    with pytest.raises(CheckpointError, match="could run code"):
        load_checkpoint(path)
    assert not (tmp_path / "PWNED_BY_CHECKPOINT").exists()
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(pickle.dumps(_Boom()))
    with pytest.raises(CheckpointError):
        load_checkpoint(raw)
    assert not (tmp_path / "PWNED_BY_CHECKPOINT").exists()


def test_truncated_other_and_mismatched_files(tmp_path):
    _, path = _saved(tmp_path)
    data = path.read_bytes()
    cut = tmp_path / "cut.pt"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated|not a readable"):
        load_checkpoint(cut)
    text = tmp_path / "notes.pt"
    text.write_text("hello")
    with pytest.raises(CheckpointError):
        load_checkpoint(text)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(CheckpointError, match="not a readable"):
        load_checkpoint(junk)
    tensor_file = tmp_path / "tensor.pt"
    torch.save(torch.zeros(3), tensor_file)
    with pytest.raises(CheckpointError, match="not a checkpoint dictionary"):
        load_checkpoint(tensor_file)
    payload = torch.load(path, weights_only=True)
    payload["model"]["config"]["hidden_size"] = 16
    torch.save(payload, tmp_path / "mismatch.pt")
    with pytest.raises(CheckpointError, match="do not match"):
        load_checkpoint(tmp_path / "mismatch.pt")
