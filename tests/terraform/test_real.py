"""``lambdalab.terraform.real``: the provider override, provider detection, ``usable()``, and a
real terraform run against a moto server (skipped when terraform or the mirror is missing)."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lambdalab.terraform import real

ROOT = Path(__file__).resolve().parents[2]
ARTICLE_VERSIONS = """
terraform {
  required_version = ">= 1.0.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.0.0"
    }
  }
}
provider "aws" {
  region = "ap-northeast-1"
}
"""


def test_version_constraints():
    assert real.satisfies("5.100.0", "~> 5.0")
    assert not real.satisfies("5.100.0", "5.0.0")
    assert not real.satisfies("5.100.0", "~> 5.0.1")  # only 5.0.x
    assert real.satisfies("5.0.7", "~> 5.0.1")
    assert real.satisfies("5.100.0", ">= 4.0, < 6.0")
    assert not real.satisfies("6.0.0", "~> 5.0")
    assert real.satisfies("3.6.0", None)


def test_requirements_of_the_course_configuration():
    reqs = real.provider_requirements(ROOT / "terraform")
    assert reqs == {
        "hashicorp/aws": "~> 5.0",
        "hashicorp/archive": "~> 2.4",
        "hashicorp/random": "~> 3.6",
    }


def test_requirements_implied_by_resource_prefixes(tmp_path):
    (tmp_path / "main.tf").write_text(
        'resource "random_id" "x" {\n  byte_length = 2\n}\n'
        'data "archive_file" "z" {\n  type = "zip"\n  output_path = "z.zip"\n'
        '  source_file = "main.tf"\n}\n'
    )
    assert real.provider_requirements(tmp_path) == {
        "hashicorp/random": None,
        "hashicorp/archive": None,
    }


def _mirror(tmp_path: Path, *providers: tuple[str, str]) -> Path:
    root = tmp_path / "mirror"
    for source, version in providers:
        d = root / real.REGISTRY / source / version / real.platform_tag()
        d.mkdir(parents=True)
        (d / f"terraform-provider-{source.split('/')[1]}").write_text("")
    return root


def _env(tmp_path: Path, mirror: Path) -> dict[str, str]:
    rc = tmp_path / "terraformrc"
    rc.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n'
        '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n'
    )
    return {"PATH": os.environ["PATH"], "TF_CLI_CONFIG_FILE": str(rc)}


@pytest.fixture
def fake_terraform(tmp_path, monkeypatch):
    """A `terraform` on PATH (usable() only checks that it exists)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "terraform"
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    return str(bindir)


def test_article_exact_pin_is_not_usable(tmp_path, fake_terraform):
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "versions.tf").write_text(ARTICLE_VERSIONS)
    env = _env(tmp_path, _mirror(tmp_path, ("hashicorp/aws", "5.100.0")))
    env["PATH"] = fake_terraform
    ok, reason = real.usable(config, env=env, network=False)
    assert not ok
    assert "hashicorp/aws 5.0.0 (mirror has 5.100.0)" in reason
    assert "\n" not in reason


def test_missing_archive_and_random_make_it_unusable(tmp_path, fake_terraform):
    env = _env(tmp_path, _mirror(tmp_path, ("hashicorp/aws", "5.100.0")))
    env["PATH"] = fake_terraform
    ok, reason = real.usable(ROOT / "terraform", env=env, network=False)
    assert not ok
    assert "hashicorp/archive ~> 2.4" in reason and "hashicorp/random ~> 3.6" in reason
    assert "hashicorp/aws" not in reason


def test_usable_when_the_mirror_has_everything(tmp_path, fake_terraform):
    mirror = _mirror(
        tmp_path,
        ("hashicorp/aws", "5.100.0"),
        ("hashicorp/archive", "2.7.1"),
        ("hashicorp/random", "3.7.2"),
    )
    env = _env(tmp_path, mirror)
    env["PATH"] = fake_terraform
    ok, reason = real.usable(ROOT / "terraform", env=env, network=False)
    assert ok, reason
    assert str(mirror) in reason


def test_no_terraform_on_path(tmp_path):
    ok, reason = real.usable(ROOT / "terraform", env={"PATH": str(tmp_path)}, network=False)
    assert (ok, reason) == (False, "terraform is not on PATH")


def test_cli_config_written_only_when_the_user_has_none(tmp_path, monkeypatch):
    mirror = _mirror(tmp_path, ("hashicorp/aws", "5.100.0"))
    monkeypatch.setattr(real, "DEFAULT_MIRRORS", (str(mirror),))
    env = {"PATH": os.environ["PATH"], "TF_CLI_CONFIG_FILE": str(tmp_path / "missing.rc")}
    child = real.child_env(tmp_path, env)
    rc = Path(child["TF_CLI_CONFIG_FILE"])
    assert rc.parent == tmp_path and rc.name == "terraformrc"
    text = rc.read_text()
    assert str(mirror) in text and '"registry.terraform.io/hashicorp/aws"' in text
    # With the user's own config, theirs is used untouched.
    users = _env(tmp_path, mirror)
    assert real.child_env(tmp_path, users)["TF_CLI_CONFIG_FILE"] == users["TF_CLI_CONFIG_FILE"]


def test_override_names_every_service_and_no_keys():
    text = real.override_text("http://127.0.0.1:4566", "ap-northeast-1")
    for service in ("iam", "lambda", "logs", "s3", "sqs", "sns", "sts", "cloudwatch", "events"):
        assert f'{service} = "http://127.0.0.1:4566"' in " ".join(text.split())
    assert "s3_use_path_style           = true" in text
    assert "skip_requesting_account_id  = false" in text
    assert "access_key" not in text and "secret_key" not in text  # keys go in the env only


def test_override_refuses_an_existing_file(tmp_path):
    (tmp_path / real.OVERRIDE_NAME).write_text("# the learner's own")
    with pytest.raises(real.DirectoryBusy):
        with real.override_file(tmp_path, "http://x", "us-east-1"):
            pass
    assert (tmp_path / real.OVERRIDE_NAME).read_text() == "# the learner's own"


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_override_removed_on_error_and_interrupt(tmp_path, exc):
    with pytest.raises(exc):
        with real.override_file(tmp_path, "http://x", "us-east-1") as path:
            assert path.exists()
            raise exc()
    assert not (tmp_path / real.OVERRIDE_NAME).exists()


def test_override_removed_on_sigterm(tmp_path):
    """A SIGTERM while terraform runs still removes the file (SystemExit runs the finally)."""
    script = (
        "import os, signal, sys\n"
        "from lambdalab.terraform import real\n"
        f"with real.override_file({str(tmp_path)!r}, 'http://x', 'us-east-1'), "
        "real._sigterm_as_exit():\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    signal.pause()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert not (tmp_path / real.OVERRIDE_NAME).exists()


def test_split_chdir():
    assert real.split_chdir(["-chdir=terraform", "apply"], None) == (["apply"], "terraform")
    assert real.split_chdir(["plan"], Path("x")) == (["plan"], "x")


# ------------------------------------------------------------------------------ real binary


@pytest.fixture(scope="module")
def moto_endpoint():
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from moto import settings
    from moto.server import ThreadedMotoServer

    saved = settings.INITIAL_NO_AUTH_ACTION_COUNT
    settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
    settings.INITIAL_NO_AUTH_ACTION_COUNT = saved


SMALL = """
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}
provider "aws" {
  region = "ap-northeast-1"
}
data "aws_caller_identity" "me" {}
resource "aws_s3_bucket" "b" {
  bucket = "real-tf-bucket"
}
output "account" {
  value = data.aws_caller_identity.me.account_id
}
output "arn" {
  value = aws_s3_bucket.b.arn
}
"""


def _digest(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in directory.iterdir()
        if p.suffix == ".tf"
    }


def test_real_terraform_applies_against_the_cloud(tmp_path, moto_endpoint):
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "main.tf").write_text(SMALL)
    ok, reason = real.usable(config)
    if not ok:
        pytest.skip(f"real terraform is not usable here: {reason}")
    before = _digest(config)
    lines: list[str] = []
    kw = {"chdir": config, "endpoint_url": moto_endpoint, "region": "ap-northeast-1"}
    assert real.run(["init", "-input=false", "-no-color"], out=lines.append, **kw).returncode == 0
    proc = real.run(["apply", "-auto-approve", "-no-color"], out=lines.append, **kw)
    assert proc.returncode == 0, proc.stdout
    assert 'account = "123456789012"' in proc.stdout  # sts served by the cloud
    assert 'arn = "arn:aws:s3:::real-tf-bucket"' in proc.stdout
    assert "".join(lines).endswith(proc.stdout)  # streamed line by line as well
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="ap-northeast-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    assert "real-tf-bucket" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    proc = real.run(["destroy", "-auto-approve", "-no-color"], out=lines.append, **kw)
    assert proc.returncode == 0, proc.stdout
    assert _digest(config) == before  # the learner's files are untouched
    assert not (config / real.OVERRIDE_NAME).exists()


def test_real_terraform_failure_still_removes_override(tmp_path, moto_endpoint):
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "main.tf").write_text(SMALL.replace("real-tf-bucket", "Not_A_Valid_Bucket!"))
    ok, reason = real.usable(config)
    if not ok:
        pytest.skip(f"real terraform is not usable here: {reason}")
    kw = {"chdir": config, "endpoint_url": moto_endpoint, "region": "ap-northeast-1"}
    assert real.run(["init", "-input=false"], out=lambda line: None, **kw).returncode == 0
    proc = real.run(["apply", "-auto-approve", "-no-color"], out=lambda line: None, **kw)
    assert proc.returncode != 0
    assert not (config / real.OVERRIDE_NAME).exists()
