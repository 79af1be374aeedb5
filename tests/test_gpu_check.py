"""benchmarks/gpu_check.py without CUDA: a clear message and exit 0 (run as a subprocess, as a user runs it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_check.py"


@pytest.mark.slow  # a fresh interpreter that imports the engine
def test_gpu_check_without_cuda_says_so_and_exits_0(tmp_path):
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}  # hides any GPU: the no-CUDA path on every machine
    out = tmp_path / "gpu.md"
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "no CUDA device here" in done.stdout
    assert not out.exists()  # nothing checked, nothing written


@pytest.mark.slow  # a fresh interpreter that imports the engine
def test_gpu_check_help_lists_its_options():
    done = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0
    assert "--out" in done.stdout and "--dry-run" in done.stdout
