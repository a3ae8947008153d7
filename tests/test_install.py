"""``make install`` (tools/install.py): uv reaches pip's indexes, is fetched from the index with
its sha256 checked (pip when that fails), builds lambdalab in-process; failures show the log."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import stat
import sys
import threading
import tomllib
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("lambdalab_install", ROOT / "tools" / "install.py")
install = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = install  # as an import would (dataclasses look the module up)
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

    def no_index(*args):
        raise install.UvFetchError("no network")

    monkeypatch.setattr(install.Installer, "run", run)
    monkeypatch.setattr(install, "TOOLS_DIR", tmp_path / "tools")
    monkeypatch.setattr(install, "fetch_uv_wheel", no_index)
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


# -- fetching uv's wheel ----------------------------------------------------------------------

LINUX = install.Machine("Linux", "x86_64", glibc=(2, 31))
LINE = ".".join(map(str, install.UV_LINE))


def index_file(name, yanked=False, sha="ab" * 32):
    return install.IndexFile(name, f"https://files.example/{name}", sha, yanked)


def test_the_newest_wheel_of_the_uv_line_that_runs_here_is_picked():
    files = [
        index_file(f"uv-{LINE}.2-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
        index_file(f"uv-{LINE}.10-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
        index_file(f"uv-{LINE}.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
        index_file(f"uv-{LINE}.11-py3-none-manylinux_2_17_aarch64.whl"),  # another CPU
        index_file(f"uv-{LINE}.12-py3-none-manylinux_2_35_x86_64.whl"),  # needs a newer glibc
        index_file(f"uv-{LINE}.13-py3-none-manylinux_2_17_x86_64.whl", yanked=True),
        index_file(f"uv-{LINE}.14-py3-none-manylinux_2_17_x86_64.whl", sha=None),  # unverifiable
        index_file(f"uv-{LINE}.15rc1-py3-none-manylinux_2_17_x86_64.whl"),  # a pre-release
        index_file(f"uv-{LINE}.16.tar.gz"),
        index_file("uv-99.0.0-py3-none-manylinux_2_17_x86_64.whl"),  # another release line
    ]
    picked = install.pick_uv_wheel(files, LINUX)
    assert (
        picked.filename == f"uv-{LINE}.10-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    )


@pytest.mark.parametrize(
    ("machine", "tag", "runs"),
    [
        (LINUX, "manylinux2014_x86_64", True),
        (LINUX, "manylinux_2_28_x86_64", True),
        (LINUX, "manylinux_2_32_x86_64", False),
        (install.Machine("Linux", "x86_64", glibc=(2, 12)), "manylinux2014_x86_64", False),
        (install.Machine("Linux", "aarch64", glibc=(2, 36)), "manylinux_2_28_aarch64", True),
        (install.Machine("Linux", "x86_64"), "musllinux_1_1_x86_64", False),  # pip's fallback
        (install.Machine("Darwin", "arm64", macos=(14, 5)), "macosx_11_0_arm64", True),
        (install.Machine("Darwin", "arm64", macos=(14, 5)), "macosx_10_12_x86_64", False),
        (install.Machine("Darwin", "x86_64", macos=(10, 15)), "macosx_10_12_x86_64", True),
        (install.Machine("Darwin", "x86_64", macos=(10, 11)), "macosx_10_12_x86_64", False),
        (install.Machine("Windows", "AMD64"), "win_amd64", True),
        (install.Machine("Windows", "ARM64"), "win_arm64", True),
        (install.Machine("Windows", "AMD64"), "win_arm64", False),
    ],
)
def test_a_wheel_platform_tag_is_matched_to_the_machine(machine, tag, runs):
    assert machine.accepts(tag) is runs


def test_the_simple_api_is_read_as_json_or_as_html():
    page = "https://index.example/simple/uv/"
    body = {
        "files": [
            {"filename": "uv-1.whl", "url": "../../f/uv-1.whl", "hashes": {"sha256": "aa"}},
            {"filename": "uv-2.whl", "url": "https://x/uv-2.whl", "hashes": {}, "yanked": "bad"},
        ]
    }
    parsed = install.parse_simple_page(
        json.dumps(body).encode(), "application/vnd.pypi.simple.v1+json", page
    )
    assert [(f.filename, f.url, f.sha256, f.yanked) for f in parsed] == [
        ("uv-1.whl", "https://index.example/f/uv-1.whl", "aa", False),
        ("uv-2.whl", "https://x/uv-2.whl", None, True),
    ]
    html = (
        b'<html><body><a href="../../f/uv-1.whl#sha256=aa">uv-1.whl</a>'
        b'<a href="/f/uv-2.whl#md5=bb" data-yanked="">uv-2.whl</a></body></html>'
    )
    parsed = install.parse_simple_page(html, "text/html", page)
    assert [(f.filename, f.url, f.sha256, f.yanked) for f in parsed] == [
        ("uv-1.whl", "https://index.example/f/uv-1.whl", "aa", False),
        ("uv-2.whl", "https://index.example/f/uv-2.whl", None, True),
    ]


def fake_uv_wheel(version: str) -> bytes:
    """A wheel shaped like uv's: the binary under ``uv-<version>.data/scripts/``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"uv-{version}.data/scripts/uv", f"#!/bin/sh\necho uv {version}\n")
        zf.writestr(f"uv-{version}.dist-info/METADATA", "Name: uv\n")
    return buf.getvalue()


@pytest.fixture
def index(tmp_path):
    """A simple index on 127.0.0.1 answering PEP 691 JSON for /simple/uv/, with its wheel."""
    wheel_name = f"uv-{LINE}.3-py3-none-manylinux_2_17_x86_64.whl"
    state = {"wheel": fake_uv_wheel(f"{LINE}.3"), "sha": None, "requests": []}
    state["sha"] = hashlib.sha256(state["wheel"]).hexdigest()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state["requests"].append((self.path, self.headers.get("Accept")))
            if self.path == "/simple/uv/":
                files = [{"filename": wheel_name, "url": f"/files/{wheel_name}"}]
                files[0]["hashes"] = {"sha256": state["sha"]}
                body = json.dumps({"meta": {"api-version": "1.1"}, "files": files}).encode()
                ctype = "application/vnd.pypi.simple.v1+json"
            elif self.path == f"/files/{wheel_name}":
                body, ctype = state["wheel"], "application/octet-stream"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/simple"
    yield state
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(sys.platform == "win32", reason="the fake uv is a shell script")
def test_uv_is_unpacked_from_the_index_wheel_after_its_sha256_is_checked(index, tmp_path):
    dest = tmp_path / "tools" / "bin" / "uv"
    missing = "http://127.0.0.1:9/simple"  # nothing listens: the next index is tried
    name = install.fetch_uv_wheel([missing, index["url"]], dest, None, 5, LINUX)
    assert name == f"uv-{LINE}.3-py3-none-manylinux_2_17_x86_64.whl"
    assert dest.stat().st_mode & stat.S_IXUSR
    assert os.popen(str(dest)).read() == f"uv {LINE}.3\n"
    assert ("/simple/uv/", "application/vnd.pypi.simple.v1+json, text/html;q=0.1") in index[
        "requests"
    ]
    assert sorted(p.name for p in dest.parent.iterdir()) == ["uv"]  # no partial files left


def test_index_credentials_never_reach_the_log_or_the_error():
    assert install.redact("https://me:s3cret@pypi.corp/simple") == "https://****@pypi.corp/simple"
    assert install.redact("https://pypi.org/simple") == "https://pypi.org/simple"
    secret = "http://me:s3cret@127.0.0.1:9/simple"  # nothing listens there
    with pytest.raises(install.UvFetchError) as caught:
        install.fetch_uv_wheel([secret], Path("/nonexistent/uv"), None, 5, LINUX)
    assert "s3cret" not in str(caught.value) and "****@127.0.0.1:9" in str(caught.value)


def test_a_wheel_that_does_not_match_the_index_sha256_is_refused(index, tmp_path):
    index["wheel"] = fake_uv_wheel(f"{LINE}.3") + b"tampered"
    dest = tmp_path / "tools" / "bin" / "uv"
    with pytest.raises(install.UvFetchError, match="sha256 differs"):
        install.fetch_uv_wheel([index["url"]], dest, None, 5, LINUX)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []


def test_a_file_index_is_read_from_its_html_pages(tmp_path):
    wheel = fake_uv_wheel(f"{LINE}.4")
    name = f"uv-{LINE}.4-py3-none-manylinux_2_17_x86_64.whl"
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / name).write_bytes(wheel)
    (tmp_path / "simple" / "uv").mkdir(parents=True)
    sha = hashlib.sha256(wheel).hexdigest()
    (tmp_path / "simple" / "uv" / "index.html").write_text(
        f'<a href="../../files/{name}#sha256={sha}">{name}</a>'
    )
    dest = tmp_path / "bin" / "uv"
    got = install.fetch_uv_wheel([(tmp_path / "simple").as_uri()], dest, None, 5, LINUX)
    assert got == name and dest.read_bytes().startswith(b"#!/bin/sh")


@pytest.mark.parametrize(
    "error",
    [
        install.UvFetchError("https://pypi.org/simple/uv/: timed out"),
        zipfile.BadZipFile("https://pypi.org/simple/uv/: timed out"),  # a truncated download
    ],
)
def test_when_the_wheel_cannot_be_fetched_pip_installs_uv(tmp_path, monkeypatch, error):
    ran = []

    def run(self, cmd, env=None):
        ran.append([str(c) for c in cmd])
        if "--target" in ran[-1]:  # what pip would leave behind
            (tmp_path / "tools" / "bin").mkdir(parents=True)
            (tmp_path / "tools" / "bin" / "uv").write_text("")
        return True

    def no_index(*args):
        raise error

    monkeypatch.setattr(install.Installer, "run", run)
    monkeypatch.setattr(install, "TOOLS_DIR", tmp_path / "tools")
    monkeypatch.setattr(install, "fetch_uv_wheel", no_index)
    monkeypatch.setattr(install.shutil, "which", lambda name: None)
    installer = install.Installer(tmp_path / "venv", tmp_path / "log", True, pip_config={})
    assert installer.find_uv() == f"uv installed into {tmp_path / 'tools'} by pip"
    assert ran[-1][-3:] == ["--target", str(tmp_path / "tools"), install.UV_REQUIREMENT]
    assert (
        "uv's wheel could not be fetched (https://pypi.org/simple/uv/: timed out)"
        in (tmp_path / "log").read_text()
    )


def test_the_wheel_is_fetched_from_pips_indexes_with_its_certificates(tmp_path, monkeypatch):
    seen = {}

    def fetch(indexes, dest, cafile, timeout, machine):
        seen.update(indexes=indexes, cafile=cafile, timeout=timeout)
        dest.parent.mkdir(parents=True)
        dest.write_text("")
        return "uv-x.whl"

    monkeypatch.setattr(install.Installer, "run", lambda self, cmd, env=None: True)
    monkeypatch.setattr(install, "TOOLS_DIR", tmp_path / "tools")
    monkeypatch.setattr(install, "fetch_uv_wheel", fetch)
    monkeypatch.setattr(install.shutil, "which", lambda name: None)
    config = install.parse_pip_config(LISTING)
    installer = install.Installer(tmp_path / "venv", tmp_path / "log", True, pip_config=config)
    assert installer.find_uv().startswith(f"uv fetched into {tmp_path / 'tools'} (uv-x.whl")
    assert seen == {
        "indexes": [
            "https://pypi.org/simple",  # no index-url set: pip's default
            "file:///opt/pypi/simple",
            "file:///opt/pypi-more/simple",
        ],
        "cafile": "/etc/ssl/certs/ca-certificates.crt",
        "timeout": 180.0,
    }


@pytest.mark.skipif(sys.platform == "win32", reason="the fake uv is a shell script")
def test_a_kept_uv_of_another_release_line_is_fetched_anew(tmp_path, monkeypatch):
    exe = tmp_path / "tools" / "bin" / "uv"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\necho uv 0.4.30\n")
    exe.chmod(0o755)
    fetched = []

    def fetch(indexes, dest, cafile, timeout, machine):
        fetched.append(dest)
        dest.write_text(f"#!/bin/sh\necho uv {LINE}.1\n")
        return "uv-new.whl"

    monkeypatch.setattr(install, "TOOLS_DIR", tmp_path / "tools")
    monkeypatch.setattr(install, "fetch_uv_wheel", fetch)
    monkeypatch.setattr(install.shutil, "which", lambda name: None)
    installer = install.Installer(tmp_path / "venv", tmp_path / "log", True, pip_config={})
    assert installer.find_uv().startswith("uv fetched into")
    assert fetched == [exe]
    # Now of the line: kept, not fetched again.
    assert installer.find_uv() == f"uv from {tmp_path / 'tools'}"
    assert fetched == [exe]


def test_the_fetched_uv_builds_lambdalab_itself_in_process():
    # uv builds a uv_build project without a build environment when the requirement names
    # its own release line ("direct build"); the fetched uv is of that line.
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]
    assert build["build-backend"] == "uv_build"
    low, high = install.UV_LINE, (install.UV_LINE[0], install.UV_LINE[1] + 1)
    spec = ".".join(map(str, low)), ".".join(map(str, high))
    assert build["requires"] == [f"uv_build>={spec[0]},<{spec[1]}"]
    assert install.UV_REQUIREMENT == f"uv>={spec[0]},<{spec[1]}"
