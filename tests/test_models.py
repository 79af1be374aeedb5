import pytest
import torch
from torch import nn

from engine.models import get_model, list_models, register_model
from engine.models.registry import MODELS
from engine.models.ica_lstm import InputCellAttention, InputCellAttentionLSTM
from engine.models.recurrent import unrolled_lstm

TINY = {"proj_dim": 8, "hidden_size": 8}
PER_FRAME = [name for name in MODELS.names() if MODELS.get(name).per_frame]


def test_registry_lists_models_and_refuses_duplicates():
    assert {"cnnlstm", "cnn_ica_lstm", "framecnn"} <= set(list_models())
    with pytest.raises(ValueError, match="already registered"):
        register_model("cnnlstm", label="again")(lambda **kw: None)


@pytest.mark.parametrize("name", PER_FRAME)
def test_models_map_clips_to_logits_and_expose_their_halves(name):
    torch.manual_seed(0)
    model = get_model(name, num_classes=3, in_channels=1, **MODELS.get(name).tiny).eval()
    x = torch.randn(2, 5, 1, 32, 32)
    logits = model(x)
    assert logits.shape == (2, 3)
    feats = model.frame_features(x)
    assert feats.shape == (2, 5, 8)
    assert torch.allclose(model.classify_features(feats), logits)
    assert list(model.cnn_stages) == ["block1", "block2", "block3", "block4"]


def test_cnn_sees_all_frames_in_one_call():
    model = get_model("cnnlstm", **TINY).eval()
    calls = []
    model.encoder.backbone.register_forward_hook(lambda m, i, o: calls.append(i[0].shape[0]))
    model(torch.randn(3, 7, 1, 32, 32))
    assert calls == [21]


def test_resnet_backbone_one_channel_and_frozen_batchnorm(tmp_path):
    import torchvision

    weights = torchvision.models.resnet18(weights=None).state_dict()
    torch.save(weights, tmp_path / "r18.pth")
    model = get_model("cnnlstm", backbone="resnet18", in_channels=1, weights_path=str(tmp_path / "r18.pth"),
                      freeze_backbone=True, proj_dim=16, hidden_size=8)
    expected = weights["conv1.weight"].sum(1, keepdim=True)
    assert torch.allclose(model.encoder.backbone.body.conv1.weight, expected)
    model.train()
    assert not model.encoder.backbone.body.training  # BatchNorm keeps running statistics
    assert model.encoder.projection.training
    assert not any(p.requires_grad for p in model.encoder.backbone.parameters())
    assert model(torch.randn(1, 2, 1, 64, 64)).shape == (1, 2)
    assert list(model.cnn_stages) == ["layer1", "layer2", "layer3", "layer4"]


def test_unrolled_lstm_equals_nn_lstm():
    torch.manual_seed(1)
    lstm = nn.LSTM(6, 5, num_layers=2, batch_first=True).eval()
    x = torch.randn(3, 4, 6)
    h0, c0 = torch.randn(2, 3, 5), torch.randn(2, 3, 5)
    ref, (h_ref, c_ref) = lstm(x, (h0, c0))
    out, (h, c) = unrolled_lstm(lstm, x, (h0, c0))
    assert torch.allclose(out, ref, atol=1e-6) and torch.allclose(h, h_ref, atol=1e-6)
    assert torch.allclose(c, c_ref, atol=1e-6)


def test_ica_with_one_step_feeds_x_exactly():
    torch.manual_seed(2)
    attention = InputCellAttention(6, hops=3, width=4)
    x = torch.randn(4, 1, 6)
    assert torch.equal(attention(x), x)
    rnn = InputCellAttentionLSTM(6, 5, num_layers=1, hops=3, width=4).eval()
    plain_out, _ = rnn.cells[0](x)
    ica_out, _ = rnn(x)
    assert torch.allclose(ica_out, plain_out)


def test_ica_attention_matches_the_paper_formula_at_each_step():
    torch.manual_seed(3)
    attention = InputCellAttention(5, hops=2, width=3)
    x = torch.randn(1, 4, 5)
    out = attention(x)
    for t in range(4):
        xs = x[0, : t + 1]  # (t+1, D)
        a = torch.softmax(attention.w2(torch.tanh(attention.w1(xs))), dim=0)  # (t+1, r), softmax over time
        m = (a.T @ xs).mean(0)  # mean over hops of A^T X
        assert torch.allclose(out[0, t], m, atol=1e-6)


def test_ica_batch_and_step_independence_and_initial_state():
    torch.manual_seed(4)
    rnn = InputCellAttentionLSTM(6, 5, num_layers=2, hops=2, width=4).eval()
    x = torch.randn(3, 6, 6)
    out, (h, c) = rnn(x)
    assert out.shape == (3, 6, 5) and h.shape == (2, 3, 5) and c.shape == (2, 3, 5)
    alone, _ = rnn(x[1:2])
    assert torch.allclose(alone, out[1:2], atol=1e-6)  # batch independence
    changed = x.clone()
    changed[:, 4:] += 5.0
    out2, _ = rnn(changed)
    assert torch.allclose(out2[:, :4], out[:, :4], atol=1e-6)  # causal: steps < 4 unaffected
    assert not torch.allclose(out2[:, 4:], out[:, 4:])
    state = (torch.randn(2, 3, 5), torch.randn(2, 3, 5))
    assert not torch.allclose(rnn(x, state)[0], out)


def test_ica_gradient_reaches_early_steps():
    torch.manual_seed(5)
    model = get_model("cnn_ica_lstm", **TINY).eval()
    x = torch.randn(1, 8, 1, 32, 32, requires_grad=True)
    model(x)[0, 1].backward()
    per_frame = x.grad.abs().sum(dim=(0, 2, 3, 4))
    assert bool((per_frame > 0).all())
    assert float(per_frame[0]) > 1e-4 * float(per_frame.max())


@pytest.mark.parametrize("name", ["cnnlstm", "cnn_ica_lstm"])
def test_eval_mode_input_gradient_on_cpu(name):
    model = get_model(name, **TINY).eval()
    x = torch.randn(1, 4, 1, 32, 32, requires_grad=True)
    model(x)[0, 0].backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and float(x.grad.abs().sum()) > 0
    assert not model.training
