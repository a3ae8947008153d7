"""Engine choice for lab.terraform(): real terraform where usable, else built-in, said aloud."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from lambdalab.terraform import runner

ROOT = Path(__file__).resolve().parents[2]


def test_auto_falls_back_to_builtin_with_the_reason_for_the_course_config():
    engine, reason = runner.choose(ROOT / "terraform", "auto")
    if engine == "builtin":
        assert reason  # one line saying why (no terraform, or providers not installable)
    else:
        assert "terraform" in reason


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="auto, terraform, builtin"):
        runner.choose(ROOT / "terraform", "opentofu")


def test_builtin_fmt_says_it_cannot_rather_than_pretend(_lab, tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\nname="x"\n}\n')
    out = io.StringIO()
    code = runner.run(_lab, ["fmt", "-check"], chdir=tmp_path, engine="builtin", out=out)
    assert code == 1
    assert "not available in lambdalab's built-in engine" in out.getvalue()


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_fmt_uses_the_real_cli_without_touching_the_files(_lab, tmp_path):
    text = 'resource "aws_sqs_queue" "q" {\nname="x"\n}\n'
    (tmp_path / "main.tf").write_text(text)
    out = io.StringIO()
    code = runner.run(_lab, ["fmt", "-check"], chdir=tmp_path, out=out)
    assert code == 3  # terraform fmt -check: files need formatting
    assert "main.tf" in out.getvalue()
    assert (tmp_path / "main.tf").read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.tf"]
