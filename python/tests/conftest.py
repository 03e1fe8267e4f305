"""Shared fixtures: the repository's paths and the `diffphys` command line, built once per session."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCENES = REPO / "scenes"
DATA = REPO / "tests" / "data"


@pytest.fixture(scope="session")
def cli():
    """Runs the `diffphys` binary (built here with `cargo build --release --bin diffphys`) and returns its
    completed process; a failing command fails the test with its standard error."""
    subprocess.run(["cargo", "build", "--release", "--bin", "diffphys"], cwd=REPO, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    if not target.is_absolute():
        target = REPO / target
    binary = target / "release" / "diffphys"
    assert binary.is_file(), f"no binary at {binary}"

    def run(*args, cwd=REPO):
        done = subprocess.run([str(binary), *map(str, args)], cwd=cwd, capture_output=True, text=True)
        assert done.returncode == 0, f"diffphys {' '.join(map(str, args))} failed:\n{done.stderr}"
        return done

    return run
