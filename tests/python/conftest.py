"""Fixtures shared by the Python tests: the dataset under test and its manifest.

The dataset: the folder in BREACHLAB_DATASET, or one generated here with the binary in
BREACHLAB_BIN (see run.sh).
"""

import json
import os
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def root(tmp_path_factory) -> Path:
    given = os.environ.get("BREACHLAB_DATASET")
    if given:
        return Path(given)
    binary = os.environ.get("BREACHLAB_BIN")
    if not binary:
        pytest.fail("set BREACHLAB_DATASET to a dataset folder or BREACHLAB_BIN to the binary")
    out = tmp_path_factory.mktemp("dataset")
    subprocess.run(
        [binary, "generate", "--scale", "0.05", "--allow-distorted", "--seed", "7", "--out", str(out), "--force"],
        check=True,
    )
    return out


@pytest.fixture(scope="session")
def manifest(root) -> dict:
    return json.loads((root / "manifest.json").read_text())
