"""The published box-experiment values of Ismail et al. (NeurIPS 2019), to print beside ours."""

from __future__ import annotations

from types import MappingProxyType

PAPER_SOURCE = (
    "Ismail, Gunady, Pessoa, Corrada Bravo and Feizi, \"Input-Cell Attention Reduces Vanishing Saliency of "
    "Recurrent Neural Networks\", NeurIPS 2019: the synthetic box experiments (hidden size 5, r = 20, d_a = 50). "
    "TopBox scores as in the authors' Results/TopBoxStatsWith_Jac_WJac_Euc_Auc_Es.csv "
    "(github.com/ayaabdelsalam91/Input-Cell-Attention); accuracies and the BottomBox and MiddleBox scores as "
    "quoted from the paper in this project's issue 13. The paper gives no values here for the three-box tasks."
)

PAPER_VALUES = MappingProxyType({
    ("TopBox", "lstm"): {"test_acc": 0.534, "jac": 0.0, "wjac": 1.5e-13, "euc": 1.004, "auc": 0.042,
                         "es": -1.5e-13},
    ("TopBox", "ica_lstm"): {"test_acc": 1.0, "jac": 0.150, "wjac": 0.107, "euc": 0.917, "auc": 0.517,
                             "es": 0.019},
    ("BottomBox", "lstm"): {"test_acc": 1.0, "wjac": 0.019, "euc": 0.985},
    ("BottomBox", "ica_lstm"): {"test_acc": 1.0, "wjac": 0.110, "euc": 0.903},
    ("MiddleBox", "lstm"): {"test_acc": 0.986, "wjac": 0.000, "euc": 1.003},
    ("MiddleBox", "ica_lstm"): {"test_acc": 1.0, "wjac": 0.124, "euc": 0.891},
})
"""(box, model) -> published value of each score it reports (test accuracy as a fraction)."""
