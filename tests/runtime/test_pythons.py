"""The runtime you declare is the Python you get, or you are told (issue 11).

Real interpreters where this machine has them (pyenv, uv, conda, PATH); a test skips with the
reason when a version is missing. The host-fallback line is tested always.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from conftest import CREDENTIALS, ENDPOINT, HOST_RUNTIME, make_spec

from lambdalab.runtime import RuntimeService, launch, pythons, sdklayer

HOST_MINOR = sys.version_info.minor
OTHER_MINORS = [m for m in (12, 13) if m != HOST_MINOR]
FINDER = pythons.Finder()

FAKE = """#!/bin/sh
echo '{{"version": [3, {minor}, {patch}], "implementation": "cpython", \
"stdlib": "{root}/lib/python3.{minor}", "purelib": "{root}/lib/python3.{minor}/site-packages"}}'
"""


def fake_python(path: Path, minor: int, patch: int = 0) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FAKE.format(minor=minor, patch=patch, root=path.parent.parent))
    path.chmod(0o755)
    return str(path)


@pytest.mark.skipif(os.name != "posix", reason="fake interpreters are shell scripts")
def test_candidates_come_from_path_pyenv_uv_and_conda_but_not_pyenv_shims(tmp_path):
    home = tmp_path / "home"
    shim = fake_python(home / ".pyenv" / "shims" / "python3.12", 12)
    on_path = fake_python(tmp_path / "bin" / "python3.12", 12, 4)
    in_pyenv = fake_python(home / ".pyenv" / "versions" / "3.12.1" / "bin" / "python3.12", 12, 1)
    in_uv = fake_python(
        home / ".local/share/uv/python/cpython-3.12.3-linux-x86_64-gnu/bin/python3.12", 12, 3
    )
    in_conda = fake_python(home / "miniconda3" / "envs" / "py312" / "bin" / "python3.12", 12, 2)
    env = {
        "HOME": str(home),
        "PATH": os.pathsep.join([str(Path(shim).parent), str(tmp_path / "bin")]),
    }
    found = list(pythons.candidates(12, env))
    assert found == [(on_path, "PATH"), (in_pyenv, "pyenv"), (in_uv, "uv"), (in_conda, "conda")]
    python = pythons.Finder(env).find(12)
    assert (python.version, python.source, python.executable) == ((3, 12, 4), "PATH", on_path)
    assert python.stdlib == f"{tmp_path}/lib/python3.12"


@pytest.mark.skipif(os.name != "posix", reason="fake interpreters are shell scripts")
def test_an_interpreter_that_is_not_the_version_its_name_says_is_passed_over(tmp_path):
    liar = fake_python(tmp_path / "bin" / "python3.12", 10)
    honest = fake_python(tmp_path / "home/.pyenv/versions/3.12.9/bin/python3.12", 12, 9)
    env = {"HOME": str(tmp_path / "home"), "PATH": str(Path(liar).parent)}
    assert pythons.Finder(env).find(12).executable == honest
    assert pythons.Finder({"HOME": str(tmp_path / "nobody"), "PATH": ""}).find(12) in (
        None,
        pythons.host() if HOST_MINOR == 12 else None,
    )


def test_aws_paths_put_site_packages_before_the_standard_library():
    python = pythons.Python(
        (3, 12, 1),
        "/p/bin/python3.12",
        "pyenv",
        "/p/lib/python3.12",
        "/p/lib/python3.12/site-packages",
    )
    pairs = launch.aws_paths(python, "/lab/sdk")
    assert pairs.index(
        ("/p/lib/python3.12/site-packages", "/var/lang/lib/python3.12/site-packages")
    ) < pairs.index(("/p/lib/python3.12", "/var/lang/lib/python3.12"))
    assert ("/lab/sdk", "/var/lang/lib/python3.12/site-packages") in pairs


# -- real interpreters ----------------------------------------------------------------------

# Valid only on 3.12 and newer (PEP 695 type aliases): a SyntaxError on older Pythons.
MODERN = """
import json, sys
import boto3
type Pair = tuple[int, int]
def handler(event, context):
    print("stdlib at", json.__file__)
    print("boto3 at", boto3.__file__)
    if event.get("fail"):
        json.loads("not json")
    boto3.client("s3", region_name="ap-northeast-1")
    return {"python": sys.version.split()[0], "boto3": boto3.__version__}
"""


def needs(minor: int) -> pythons.Python:
    python = FINDER.find(minor)
    if python is None:
        pytest.skip(f"no Python 3.{minor} on this machine (looked on PATH, pyenv, uv, conda)")
    return python


@pytest.mark.parametrize("minor", OTHER_MINORS)
def test_a_function_runs_on_the_python_its_runtime_names(svc, sink, minor):
    python = needs(minor)
    result = svc.invoke(make_spec(MODERN, runtime=f"python3.{minor}", timeout=30.0), b"{}")
    assert result.ok, result.payload
    body = json.loads(result.payload)
    assert body["python"] == python.version_text
    import boto3

    assert body["boto3"] == boto3.__version__  # the lab's own boto3, importable there
    msgs = sink.messages(result.log_stream)
    assert f"boto3 at /var/lang/lib/python3.{minor}/site-packages/boto3/__init__.py\n" in msgs
    assert f"stdlib at /var/lang/lib/python3.{minor}/json/__init__.py\n" in msgs
    assert not any(m.startswith("[lambdalab]") for m in msgs)  # nothing to tell


@pytest.mark.parametrize("minor", OTHER_MINORS)
def test_boto3s_folder_is_compiled_for_the_interpreter_before_its_first_cold_start(tmp_path, minor):
    """Else that interpreter's first INIT compiles botocore itself: seconds of CPU counted in
    Init Duration, past Lambda's 10 s init limit on a busy machine."""
    python = needs(minor)
    package = tmp_path / "site" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VALUE = 1\n")
    folder = tmp_path / "sdk"
    folder.mkdir()
    os.symlink(package, folder / "pkg", target_is_directory=True)  # as sdklayer.build links
    sdklayer.compile_for(python.executable, folder)
    assert [p.name for p in (package / "__pycache__").iterdir()] == [
        f"__init__.cpython-3{minor}.pyc"
    ]
    sdklayer.compile_for("/no/such/python", folder)  # best effort: the import compiles instead


@pytest.mark.parametrize("minor", OTHER_MINORS)
def test_stack_traces_show_awss_paths(svc, minor):
    needs(minor)
    result = svc.invoke(
        make_spec(MODERN, runtime=f"python3.{minor}", timeout=30.0), b'{"fail": true}'
    )
    assert result.error_type == "JSONDecodeError"
    trace = json.loads(result.payload)["stackTrace"]
    assert trace[0].startswith('  File "/var/task/app.py", line ')
    assert any(f'"/var/lang/lib/python3.{minor}/json/__init__.py"' in f for f in trace)
    assert not any(here in "".join(trace) for here in ("/root/", "/work/", "/tmp/", "/home/"))


def test_the_lab_python_shows_awss_paths_too(svc, sink):
    code = "import json\ndef handler(e, c):\n    print(json.__file__)\n    json.loads('x')\n"
    result = svc.invoke(make_spec(code), b"{}")
    trace = json.loads(result.payload)["stackTrace"]
    assert any(f'"/var/lang/lib/python3.{HOST_MINOR}/json/__init__.py"' in f for f in trace)
    assert f"/var/lang/lib/python3.{HOST_MINOR}/json/__init__.py\n" in sink.messages()


def test_a_missing_python_runs_on_the_labs_and_its_first_stream_says_so(
    sink, clock, client, tmp_path
):
    nowhere = pythons.Finder({"HOME": str(tmp_path), "PATH": ""})
    minor = 13 if HOST_MINOR != 13 else 12
    svc = RuntimeService(
        clock,
        lambda spec: sink,
        lambda spec: dict(CREDENTIALS),
        ENDPOINT,
        client=client,
        finder=nowhere,
    )
    try:
        code = "import sys\ndef handler(e, c):\n    return sys.version.split()[0]\n"
        spec = make_spec(code, runtime=f"python3.{minor}")
        first = svc.invoke(spec, b"{}")
        assert json.loads(first.payload) == ".".join(map(str, sys.version_info[:3]))
        msgs = sink.messages(first.log_stream)
        assert msgs[0].startswith("INIT_START ")
        assert msgs[1] == (
            f"[lambdalab] Python 3.{minor} was not found on this machine (PATH, pyenv, uv, "
            f"conda): this function runs on the lab's Python {sys.version.split()[0]} instead. "
            f"Install Python 3.{minor} to run it as declared; lab.runtimes() lists the Pythons "
            "the lab found.\n"
        )
        assert sum(m.startswith("[lambdalab]") for m in sink.messages()) == 1
        svc.stop_all()
        again = svc.invoke(spec, b"{}")  # a new environment: said once is enough
        assert again.log_stream != first.log_stream
        assert not any(m.startswith("[lambdalab]") for m in sink.messages(again.log_stream))
        assert [r.runtime for r in svc.runtimes()] == [HOST_RUNTIME]
    finally:
        svc.close()


def test_runtimes_lists_the_lab_python_and_every_one_found(svc):
    found = svc.runtimes()
    host = next(r for r in found if r.source == "lab")
    assert host.runtime == HOST_RUNTIME and host.executable == sys.executable
    assert host.client == svc.client
    for info in found:
        assert info.runtime == "python" + ".".join(info.python.split(".")[:2])
        assert os.access(info.executable, os.X_OK)
        if info.source != "lab":
            assert info.client == "builtin"  # awslambdaric is built for the lab's Python only
    assert [r.runtime for r in found] == sorted(
        {r.runtime for r in found}, key=lambda r: int(r.split(".")[1])
    )


# -- an interpreter older than the lab's boto3 ---------------------------------------------------

BOTO3_HANDLER = """
import sys
import boto3
def handler(event, context):
    boto3.client("s3", region_name="ap-northeast-1")
    return sys.version.split()[0]
"""


class _OnlyOld:
    """A finder whose only other interpreter is a Python 3.9 (found by pyenv)."""

    host = pythons.host()
    old = pythons.Python(
        (3, 9, 18), "/opt/py/3.9/bin/python3.9", "pyenv", "/opt/py/3.9/lib", "/opt/py/3.9/sp"
    )

    def find(self, minor):
        return self.old if minor == 9 else (self.host if minor == HOST_MINOR else None)


def test_an_interpreter_older_than_the_labs_boto3_is_passed_over_with_a_line():
    host_client = launch.Client("awslambdaric", ["lab-client"], "/lab")
    chosen = launch.choose(
        "python3.9", _OnlyOld(), host_client, lambda python: Path("/sdk"), lambda: (3, 10)
    )
    assert chosen.python is _OnlyOld.host and chosen.client == "awslambdaric"
    assert chosen.fallback == (
        "[lambdalab] Python 3.9 is on this machine (pyenv), but the boto3 the lab gives handlers "
        f"needs Python 3.10 or later: this function runs on the lab's Python "
        f"{sys.version.split()[0]} instead.\n"
    )
    # the same interpreter is used when the SDK supports it
    kept = launch.choose(
        "python3.9", _OnlyOld(), host_client, lambda python: Path("/sdk"), lambda: (3, 9)
    )
    assert kept.python is _OnlyOld.old and kept.client == "builtin" and kept.fallback is None


def test_the_oldest_python_the_sdk_supports_comes_from_boto3s_requirements():
    import importlib.metadata as metadata

    from lambdalab.runtime import sdklayer

    declared = metadata.metadata("boto3")["Requires-Python"]
    assert sdklayer.oldest_python() >= (3, int(declared.split("3.")[1].split(",")[0]))
    assert sdklayer.oldest_python() >= (3, 10)  # boto3 1.44: `import boto3` fails on 3.9


def test_a_python39_function_on_a_machine_with_python39_runs_on_the_labs_and_says_why(svc, sink):
    found = needs(9)
    result = svc.invoke(make_spec(BOTO3_HANDLER, runtime="python3.9", timeout=30.0), b"{}")
    assert result.ok, result.payload
    assert json.loads(result.payload) == sys.version.split()[0]
    lines = [m for m in sink.messages(result.log_stream) if m.startswith("[lambdalab]")]
    assert lines == [
        f"[lambdalab] Python 3.9 is on this machine ({found.source}), but the boto3 the lab "
        f"gives handlers needs Python 3.10 or later: this function runs on the lab's Python "
        f"{sys.version.split()[0]} instead.\n"
    ]
    assert "python3.9" not in [r.runtime for r in svc.runtimes()]  # not one functions run on
