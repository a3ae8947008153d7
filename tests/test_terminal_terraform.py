"""Terraform in a terminal: scriptable ``lambdalab tf`` output, and ``lambdalab env``'s note.

``lambdalab tf`` writes its own banner to stderr, so ``B=$(lambdalab tf -- output -raw NAME)``
captures terraform's value alone. ``lambdalab env`` says, on stderr, whether plain
``terraform`` can work in the current folder, and what to run when it cannot.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lambdalab.terraform import real
from tests.lab_helpers import ARTICLE_PIN

MIRROR = Path("/opt/tf-plugins")
ONLY_AWS = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}
provider "aws" { region = "ap-northeast-1" }
resource "aws_s3_bucket" "b" { bucket = "terminal-bucket-1234" }
resource "aws_cloudwatch_log_group" "g" { name = "/terminal/group" }
output "bucket_name" { value = aws_s3_bucket.b.bucket }
"""
needs_terraform = pytest.mark.skipif(
    shutil.which("terraform") is None or not real.mirror_versions(MIRROR, "hashicorp/aws"),
    reason="needs terraform and a provider mirror holding hashicorp/aws",
)


def lambdalab(*args, cwd, env=None):
    return subprocess.run(
        [sys.executable, "-m", "lambdalab", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_tf_output_raw_prints_only_the_value_with_the_builtin_engine(lab, tmp_path):
    (tmp_path / "main.tf").write_text(ARTICLE_PIN)
    applied = lambdalab("tf", "--", "apply", "-auto-approve", cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "[lambdalab] engine: built-in" in applied.stderr
    assert "[lambdalab]" not in applied.stdout
    value = lambdalab("tf", "--", f"-chdir={tmp_path}", "output", "-raw", "bucket_name", cwd="/")
    assert value.returncode == 0, value.stderr
    assert value.stdout == "hands-on-bucket-2024"  # what B=$(…) captures
    assert value.stderr.startswith("[lambdalab] engine: built-in")
    assert "hashicorp/aws 5.0.0" in value.stderr  # why: the article's exact pin


@needs_terraform
def test_tf_output_raw_is_byte_for_byte_terraforms(lab, tmp_path, monkeypatch):
    (tmp_path / "main.tf").write_text(ONLY_AWS)
    rc = tmp_path / "terraformrc"
    rc.write_text(f'provider_installation {{\n  filesystem_mirror {{ path = "{MIRROR}" }}\n}}\n')
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(rc))
    for step in (["init"], ["apply", "-auto-approve"]):
        done = lambdalab("tf", "--engine", "terraform", "--", *step, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stderr.startswith("[lambdalab] engine: terraform")
    ours = lambdalab(
        "tf", "--engine", "terraform", "--", "output", "-raw", "bucket_name", cwd=tmp_path
    )
    theirs = subprocess.run(
        ["terraform", "output", "-raw", "bucket_name"], cwd=tmp_path, capture_output=True, text=True
    )
    assert theirs.returncode == 0 and theirs.stdout == "terminal-bucket-1234"
    assert ours.stdout == theirs.stdout
    assert "[lambdalab] engine: terraform" in ours.stderr


@needs_terraform
def test_plain_terraform_reaches_the_lab_through_the_exported_variables(lab, tmp_path):
    """No override file: hashicorp/aws 5.100 reads AWS_ENDPOINT_URL from `lambdalab env`."""
    (tmp_path / "main.tf").write_text(ONLY_AWS)
    rc = tmp_path / "terraformrc"
    rc.write_text(f'provider_installation {{\n  filesystem_mirror {{ path = "{MIRROR}" }}\n}}\n')
    shell = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    exported = lambdalab("env", cwd=tmp_path, env=dict(os.environ))
    assert exported.returncode == 0, exported.stderr
    for line in exported.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        shell[name] = shlex.split(value)[0]
    shell.update(TF_CLI_CONFIG_FILE=str(rc), CHECKPOINT_DISABLE="1")
    for step in (["init", "-no-color"], ["apply", "-auto-approve", "-no-color"]):
        done = subprocess.run(
            ["terraform", *step], cwd=tmp_path, env=shell, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert not list(tmp_path.glob("*override*"))
    buckets = [b["Name"] for b in lab.client("s3").list_buckets()["Buckets"]]
    assert "terminal-bucket-1234" in buckets
    groups = lab.client("logs").describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/terminal/group"]


def test_env_prints_only_export_lines_on_stdout_and_a_terraform_note_on_stderr(lab, tmp_path):
    (tmp_path / "versions.tf").write_text(ARTICLE_PIN)
    out = lambdalab("env", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert all(line.startswith("export ") for line in out.stdout.splitlines())
    notes = out.stderr.splitlines()
    assert all(line.startswith("# ") for line in notes)  # comment lines, even if eval-ed
    note = notes[-1]
    assert note.startswith("# terraform")
    assert "`lambdalab tf -- init` and `lambdalab tf -- apply`" in note
    assert "hashicorp/aws 5.0.0" in note  # the reason: the article's pin is not installable


def test_env_note_names_the_course_folder_from_the_repository_root(lab):
    root = Path(__file__).resolve().parents[1]
    note = lambdalab("env", cwd=root).stderr.splitlines()[-1]
    assert note.startswith("# terraform (terraform/):")
    ok, _ = real.usable(root / "terraform")
    assert ("lambdalab tf -- init" in note) == (not ok or real.cli_config().write_config)


def test_env_note_without_a_configuration_is_the_general_rule(lab, tmp_path):
    note = lambdalab("env", cwd=tmp_path).stderr.splitlines()[-1]
    assert note.startswith("# terraform: where `terraform init` cannot install its providers")


def test_env_says_when_the_shells_aws_is_not_the_courses(lab, tmp_path):
    bin_dir = Path(sys.executable).parent
    elsewhere = tmp_path / "bin"
    elsewhere.mkdir()
    (elsewhere / "aws").write_text("#!/bin/sh\necho aws-cli/1.0 elsewhere\n")
    (elsewhere / "aws").chmod(0o755)
    other = dict(os.environ, PATH=f"{elsewhere}{os.pathsep}{os.environ['PATH']}")
    notes = lambdalab("env", cwd=tmp_path, env=other).stderr.splitlines()
    assert notes[0] == (
        f"# aws: `aws` here is {elsewhere / 'aws'}, not the course's; "
        "run `source .venv/bin/activate` first."
    )
    course = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    notes = lambdalab("env", cwd=tmp_path, env=course).stderr.splitlines()
    assert not any(line.startswith("# aws") for line in notes)
