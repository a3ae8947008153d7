"""The set-up files agree with each other (one list of pins, a CI entry point that tests)."""

from __future__ import annotations

import tomllib
from pathlib import Path

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


def test_the_lab_aws_config_ships_in_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "aws-config" in project["tool"]["setuptools"]["package-data"]["lambdalab"]
    assert (ROOT / "src" / "lambdalab" / "aws-config").is_file()
