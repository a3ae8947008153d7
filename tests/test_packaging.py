"""The set-up files agree with each other (one list of pins, a CI entry point that tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_installs_the_project_so_pins_cannot_drift():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    deps = env["dependencies"]
    names = [d.split("=")[0] for d in deps if isinstance(d, str)]
    assert {"python", "pip", "terraform"} <= set(names)
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    # The only pip entry is the project itself: its dependencies come from pyproject.toml.
    assert pip_section == ["-e .[dev]"]


def test_pyproject_pins_what_the_course_relies_on():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = {
        d.split("[")[0].split(">")[0].split("=")[0].split(";")[0].strip(): d
        for d in project["dependencies"]
    }
    for name in (
        "boto3",
        "moto",
        "awslambdaric",
        "python-hcl2",
        "matplotlib",
        "jupyterlab",
        "nbval",
        "pytest",
        "awscli",
    ):
        assert name in deps, name
    assert "<5.3" in deps["moto"], "moto is monkey-patched: keep it to the tested range"
    assert "[server]" in deps["moto"]
    assert deps["python-hcl2"].endswith("==8.1.4")
    assert "sys_platform == 'linux'" in deps["awslambdaric"]
    assert project["scripts"]["lambdalab"] == "lambdalab.cli:main"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def _jsonc(path: Path) -> dict:
    import json
    import re

    return json.loads(re.sub(r"^\s*//.*$", "", path.read_text(), flags=re.M))


def test_the_dev_container_runs_the_same_install_as_a_laptop():
    container = _jsonc(ROOT / ".devcontainer" / "devcontainer.json")
    assert "3.11" in container["image"]
    assert container["postCreateCommand"] == "make install"
    assert any("terraform" in feature for feature in container["features"])


def test_ci_workflow_runs_make_test_on_linux_macos_and_windows():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "test.yml").read_text())
    job = workflow["jobs"]["test"]
    assert set(job["strategy"]["matrix"]["os"]) == {
        "ubuntu-latest",
        "macos-latest",
        "windows-latest",
    }
    assert job["strategy"]["fail-fast"] is False
    commands = [step.get("run", "") for step in job["steps"]]
    assert any(c.startswith("make test") for c in commands)
    assert not any("continue-on-error" in step for step in job["steps"])  # failures fail


def _uv() -> str | None:
    """uv from PATH or the copy `make install` fetched (tools/install.py's TOOLS_DIR)."""
    tools = Path(
        os.environ.get("LAMBDALAB_TOOLS_DIR")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lambdalab" / "tools"
    )
    fetched = tools / "bin" / ("uv.exe" if os.name == "nt" else "uv")
    return shutil.which("uv") or (str(fetched) if fetched.is_file() else None)


def test_the_lab_aws_config_and_the_provider_schema_ship_in_the_wheel(tmp_path):
    uv = _uv()
    if uv is None:
        pytest.skip("no uv to build the wheel with (make install fetches one)")
    # A uv of the release line uv_build names builds without fetching anything (offline).
    (requirement,) = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"][
        "requires"
    ]
    line = requirement.split(">=")[1].split(",")[0]
    version = subprocess.run([uv, "--version"], capture_output=True, text=True).stdout.split()
    if len(version) < 2 or not version[1].startswith(line + "."):
        pytest.skip(f"{uv} is {' '.join(version)}, not of the {line} line uv_build names")
    subprocess.run(
        [uv, "build", "--wheel", "--offline", "--out-dir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        env={**os.environ, "UV_NO_PROGRESS": "1"},
    )
    (wheel,) = tmp_path.glob("lambdalab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"lambdalab/aws-config", "lambdalab/terraform/aws_schema.json"} <= names
    assert "lambdalab/cli.py" in names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    entry_points = zipfile.ZipFile(wheel).read(f"lambdalab-{version}.dist-info/entry_points.txt")
    assert b"lambdalab = lambdalab.cli:main" in entry_points
