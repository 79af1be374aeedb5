"""The reference repositories' model classes, re-typed for the tests (not used by the engine).

* ``PranoyrCNNLSTM``: pranoyr/cnn-lstm ``models/cnnlstm.py`` (also the seed project's
  ``models/cnnlstm.py``). The original builds ``resnet101(pretrained=True)``; here the
  ResNet constructor is a parameter and weights are random (nothing downloads).
* ``SeedCNNLSTM``: sakshikakde/interpretability_of_lstm ``models/cnn_lstm_fc.py``.
* ``SeedAttentionCNNLSTM``: its ``models/cnn_lstm_with_attention.py``.

The originals run the ResNet under ``torch.no_grad()`` when ``training`` is true (pranoyr:
always), so they have no input gradient there; ``cnn_grad=True`` lifts it, which is the
seed's own ``training=False`` path: the function a saliency tool differentiates.
"""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F
import torchvision
from torch import nn


def _resnet(arch: str) -> nn.Module:
    net = getattr(torchvision.models, arch)(weights=None)
    net.fc = nn.Sequential(nn.Linear(net.fc.in_features, 300))
    return net


class PranoyrCNNLSTM(nn.Module):
    def __init__(self, num_classes=2, arch="resnet101", cnn_grad=False):
        super().__init__()
        self.resnet = _resnet(arch)
        self.lstm = nn.LSTM(input_size=300, hidden_size=256, num_layers=3)
        self.fc1 = nn.Linear(256, 128)
        self.fc2 = nn.Linear(128, num_classes)
        self.cnn_grad = cnn_grad

    def forward(self, x_3d):
        hidden = None
        for t in range(x_3d.size(1)):
            with contextlib.nullcontext() if self.cnn_grad else torch.no_grad():
                x = self.resnet(x_3d[:, t, :, :, :])
            out, hidden = self.lstm(x.unsqueeze(0), hidden)
        x = self.fc1(out[-1, :, :])
        x = F.relu(x)
        x = self.fc2(x)
        return x


class LSTMModel(nn.Module):
    def __init__(self, input_size=300, hidden_size=256):
        super().__init__()
        self.lstm = nn.LSTM(input_size=input_size, hidden_size=hidden_size, num_layers=3)

    def forward(self, x, hidden):
        return self.lstm(x, hidden)


class FCModel(nn.Module):
    def __init__(self, input_size=256, num_classes=2):
        super().__init__()
        self.fc1 = nn.Linear(input_size, 128)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class SeedCNNLSTM(nn.Module):
    def __init__(self, num_classes=2, arch="resnet18"):
        super().__init__()
        self.resnet = _resnet(arch)
        self.lstm = LSTMModel()
        self.fc_layers = FCModel(256, num_classes)

    def forward(self, x_3d):  # the original's training=False path
        hidden = None
        for t in range(x_3d.size(1)):
            x = self.resnet(x_3d[:, t, :, :, :])
            out, hidden = self.lstm(x.unsqueeze(0), hidden)
        return self.fc_layers(out[-1, :, :])


class SeedAttentionCNNLSTM(nn.Module):
    def __init__(self, lstm_input_sz=300, lstm_hidden_sz=256, r=20, d_a=50, num_classes=2, arch="resnet101"):
        super().__init__()
        self.resnet = _resnet(arch)
        self.resnet.fc = nn.Sequential(nn.Linear(self.resnet.fc[0].in_features, lstm_input_sz))
        self.lstm = LSTMModel(lstm_input_sz, lstm_hidden_sz)
        self.fc_layers = FCModel(lstm_hidden_sz, num_classes)
        self.linear_first = torch.nn.Linear(lstm_input_sz, d_a)
        self.linear_first.bias.data.fill_(0)
        self.linear_second = torch.nn.Linear(d_a, r)
        self.linear_second.bias.data.fill_(0)
        self.d_a = d_a
        self.r = r
        self.pastTimeSteps = None

    def softmax(self, input, axis=1):
        input_size = input.size()
        trans_input = input.transpose(axis, len(input_size) - 1)
        trans_size = trans_input.size()
        input_2d = trans_input.contiguous().view(-1, trans_size[-1])
        soft_max_2d = F.softmax(input_2d, dim=1)  # the original's implicit dim for 2-D input
        soft_max_nd = soft_max_2d.view(*trans_size)
        return soft_max_nd.transpose(axis, len(input_size) - 1)

    def getMatrixM(self, pastTimeSteps):
        x = self.linear_first(pastTimeSteps)
        x = torch.tanh(x)
        x = self.linear_second(x)
        x = self.softmax(x, 1)
        attention = x.transpose(1, 2)
        matrixM = attention @ pastTimeSteps
        matrixM = torch.sum(matrixM, 1) / self.r
        return matrixM

    def forward(self, x_3d):  # the original's training=False path ('cuda' placeholder: any device)
        hidden = None
        pastTimeSteps = torch.empty((1, 1, 300), device=x_3d.device)
        for t in range(x_3d.size(1)):
            x = self.resnet(x_3d[:, t, :, :, :])
            if self.pastTimeSteps is None:
                pastTimeSteps = x.unsqueeze(1)
            else:
                self.pastTimeSteps = torch.cat((self.pastTimeSteps, x), dim=1)
            M = self.getMatrixM(pastTimeSteps)
            out, hidden = self.lstm(M.unsqueeze(0), hidden)
        return self.fc_layers(out[-1, :, :])


def save_as_repository(model: nn.Module, path, *, epoch: int = 3, data_parallel: bool = False) -> None:
    """``torch.save({'epoch', 'state_dict', 'optimizer_state_dict'})`` as both repositories' main.py do."""
    state = model.state_dict()
    if data_parallel:  # what nn.DataParallel(model).state_dict() gives
        state = {f"module.{k}": v for k, v in state.items()}
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    torch.save({"epoch": epoch, "state_dict": state, "optimizer_state_dict": optimizer.state_dict()}, path)
