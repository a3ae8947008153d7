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
