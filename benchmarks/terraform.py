"""Wall time of the built-in Terraform engine, and its ratio to real terraform (target <= 0.1).

    .venv/bin/python benchmarks/terraform.py [--runs 3] [--cloud auto|lab|moto]

1. built-in ``apply`` + ``destroy`` of the course configuration ``terraform/``;
2. where real terraform is usable: the same for ``tests/terraform/fixtures/oracle/basic`` with
   both engines against the same cloud (``init`` timed apart), and built-in ÷ real.
Prints a table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import shutil
import statistics
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lambdalab.course import timed as course_timed  # noqa: E402
from lambdalab.terraform import builtin, real  # noqa: E402
from lambdalab.terraform.resources.base import ApplyContext  # noqa: E402

REGION = "ap-northeast-1"


class Cloud:
    """The lab, or a bare moto server (``--cloud moto``)."""

    def __init__(self, kind: str) -> None:
        self.lab = None
        if kind in ("auto", "lab"):
            try:
                import lambdalab

                self.lab = lambdalab.start()
            except Exception as exc:  # noqa: BLE001
                if kind == "lab":
                    raise
                print(f"(lab unavailable: {exc}; using a bare moto server)")
        if self.lab is not None:
            self.kind = "lab"
            self.endpoint_url = self.lab.endpoint_url
            self.keys = (self.lab.credentials.access_key_id, self.lab.credentials.secret_access_key)
            return
        os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        from moto import settings
        from moto.server import ThreadedMotoServer

        settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.kind, self.endpoint_url, self.keys = "moto", f"http://{host}:{port}", ("test", "test")

    def client(self, service: str, region_name: str = REGION):
        import boto3

        return boto3.client(
            service,
            region_name=region_name,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.keys[0],
            aws_secret_access_key=self.keys[1],
        )

    def reset(self) -> None:
        if self.lab is not None:
            self.lab.reset()
            return
        req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(req).close()


def builtin_cmd(cloud: Cloud, work: Path, *args: str) -> None:
    def factory(region: str, module_dir: Path) -> ApplyContext:
        return ApplyContext(
            region=region,
            account_id="123456789012",
            module_dir=Path(module_dir),
            endpoint_url=cloud.endpoint_url,
            client_factory=lambda service, r: cloud.client(service, region_name=r),
        )

    out = io.StringIO()
    if builtin.run(list(args), chdir=work, ctx_factory=factory, out=out, env={}) != 0:
        raise SystemExit(f"built-in {' '.join(args)} failed:\n{out.getvalue()}")


def real_cmd(cloud: Cloud, work: Path, *args: str) -> None:
    proc = real.run(
        [*args, "-no-color", "-input=false"],
        chdir=work,
        endpoint_url=cloud.endpoint_url,
        region=REGION,
        out=lambda line: None,
        access_key=cloud.keys[0],
        secret_key=cloud.keys[1],
    )
    if proc.returncode != 0:
        raise SystemExit(f"terraform {' '.join(args)} failed:\n{proc.stdout}")


def course_copy(tmp: Path) -> Path:
    ignore = shutil.ignore_patterns("build", "__pycache__", ".terraform*", "*.tfstate*")
    shutil.copytree(ROOT / "terraform", tmp / "terraform", ignore=ignore)
    shutil.copytree(ROOT / "lambda_functions", tmp / "lambda_functions", ignore=ignore)
    return tmp / "terraform"


def oracle_copy(tmp: Path) -> Path:
    work = tmp / "basic"
    shutil.copytree(ROOT / "tests/terraform/fixtures/oracle/basic", work)
    with zipfile.ZipFile(work / "fn.zip", "w") as zf:
        zf.writestr("lambda_function.py", "def lambda_handler(e, c):\n    return 1\n")
    return work


def timed(fn) -> float:
    return course_timed(fn)[1]


def cycle(cloud: Cloud, run, work: Path) -> float:
    """apply + destroy on an empty cloud, in seconds."""
    cloud.reset()
    return timed(
        lambda: (
            run(cloud, work, "apply", "-auto-approve"),
            run(cloud, work, "destroy", "-auto-approve"),
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cloud", choices=("auto", "lab", "moto"), default="auto")
    opts = parser.parse_args()
    cloud = Cloud(opts.cloud)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="lambdalab-bench-") as tmp:
        tmp = Path(tmp)
        course = course_copy(tmp)
        times = [cycle(cloud, builtin_cmd, course) for _ in range(opts.runs)]
        rows.append(
            (
                "built-in apply+destroy terraform/ (10 resources)",
                f"{statistics.median(times):.2f} s",
                "",
            )
        )

        oracle = oracle_copy(tmp)
        ok, reason = real.usable(oracle)
        if not ok:
            rows.append(("real terraform", "skipped", reason))
        else:
            ours = statistics.median(cycle(cloud, builtin_cmd, oracle) for _ in range(opts.runs))
            try:
                init = timed(lambda: real_cmd(cloud, oracle, "init"))
                theirs = statistics.median(cycle(cloud, real_cmd, oracle) for _ in range(opts.runs))
            except SystemExit as exc:
                err = next((x for x in str(exc).splitlines() if "Error" in x), str(exc)[:120])
                rows.append(("built-in apply+destroy oracle/basic", f"{ours:.2f} s", ""))
                rows.append(("real terraform", "failed", err.strip()[:150]))
            else:
                rows += [
                    ("built-in apply+destroy oracle/basic (9 resources)", f"{ours:.2f} s", ""),
                    ("terraform init oracle/basic (once, not in ratio)", f"{init:.2f} s", ""),
                    ("terraform apply+destroy oracle/basic", f"{theirs:.2f} s", ""),
                    ("ratio built-in / terraform", f"{ours / theirs:.3f}", "target <= 0.1"),
                ]
    width = max(len(r[0]) for r in rows)
    print(f"cloud: {cloud.kind}, runs: {opts.runs} (median)")
    print(f"{'measure':<{width}}  {'value':>9}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>9}  {note}")


if __name__ == "__main__":
    main()
