"""``make install`` (tools/install.py): uv reaches pip's indexes; failures show the log's end."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("lambdalab_install", ROOT / "tools" / "install.py")
install = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(install)

# `pip config list` on this kind of machine: files, then PIP_* variables (":env:").
LISTING = """\
:env:.cert='/etc/ssl/certs/ca-certificates.crt'
:env:.default-timeout='180'
:env:.disable-pip-version-check='1'
:env:.find-links='/opt/wheels'
global.cert='/etc/ssl/certs/ca-certificates.crt'
global.constraint='/etc/xdg/pip/constraints.txt'
global.extra-index-url='file:///opt/pypi/simple file:///opt/pypi-more/simple'
global.find-links='/somewhere/else'
"""


def test_pip_settings_are_read_with_environment_variables_winning():
    config = install.parse_pip_config(LISTING)
    assert config["find-links"] == "/opt/wheels"  # PIP_FIND_LINKS beats pip.conf, as in pip
    assert config["extra-index-url"] == "file:///opt/pypi/simple file:///opt/pypi-more/simple"
    assert config["constraint"] == "/etc/xdg/pip/constraints.txt"


def test_uv_gets_the_same_indexes_links_constraints_and_certificates():
    env = install.uv_environment(install.parse_pip_config(LISTING), {})
    assert env == {
        "UV_EXTRA_INDEX_URL": "file:///opt/pypi/simple file:///opt/pypi-more/simple",
        "UV_FIND_LINKS": "/opt/wheels",
        "UV_CONSTRAINT": "/etc/xdg/pip/constraints.txt",
        "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
        "UV_HTTP_TIMEOUT": "180",
        # pip's choice across indexes: the best version anywhere, not the first index's.
        "UV_INDEX_STRATEGY": "unsafe-best-match",
    }


def test_several_find_links_are_comma_separated_for_uv():
    env = install.uv_environment({"find-links": "/a /b"}, {})
    assert env == {"UV_FIND_LINKS": "/a,/b"}


def test_a_learners_own_uv_settings_are_kept():
    mine = {"UV_EXTRA_INDEX_URL": "https://mirror.example/simple", "UV_INDEX_STRATEGY": "first"}
    env = install.uv_environment(install.parse_pip_config(LISTING), mine)
    assert "UV_EXTRA_INDEX_URL" not in env and "UV_INDEX_STRATEGY" not in env
    assert env["UV_FIND_LINKS"] == "/opt/wheels"


def test_no_pip_config_means_no_uv_variables():
    assert install.parse_pip_config("") == {}
    assert install.uv_environment({}, {}) == {}


def test_a_failed_install_says_what_failed_and_shows_the_end_of_the_log(
    tmp_path, monkeypatch, capsys
):
    def run(self, cmd, env=None):
        with self.log.open("a") as fh:
            fh.write("ERROR: No matching distribution found for moto[server]<5.3,>=5.2.5\n")
        return False

    monkeypatch.setattr(install.Installer, "run", run)
    monkeypatch.setattr(install, "TOOLS_DIR", tmp_path / "tools")
    monkeypatch.setattr(install.shutil, "which", lambda name: None)
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "python").write_text("")  # an existing venv: stage 2 skips
    rc = install.main(["--venv", str(tmp_path / "venv")])
    out, err = capsys.readouterr()
    assert rc == 1
    assert "[lambdalab install 3/4] installer … pip (uv could not be installed)" in out
    assert "[lambdalab install 4/4] packages from pyproject.toml … failed" in out
    assert "make install: pip could not be set up in the virtual environment." in err
    assert "No matching distribution found for moto[server]" in err
    assert str(tmp_path / "venv" / "install.log") in err


def test_the_makefile_installs_through_the_script():
    makefile = (ROOT / "Makefile").read_text()
    assert "tools/install.py" in makefile
    assert "pip install" not in makefile  # one install path, with its fallback inside
