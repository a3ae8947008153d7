"""Measure the execution-environment runtime against its targets (prints; never asserts).

    .venv/bin/python benchmarks/runtime.py [--repeat N]

- cold start of an environment (INIT + first invoke of a handler that imports boto3;
  also a handler without imports, and one that makes an S3 client at module level)
  vs ``python -c "import boto3"``                         target <= 1.5x
- warm synchronous invoke round trip vs an S3 GetObject round trip against a moto
  ThreadedMotoServer on 127.0.0.1                         target <= 5x
- RSS of an idle environment                              target <= 60 MB
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import logging
import statistics
import subprocess
import sys
import time
import zipfile

import boto3
from moto.server import ThreadedMotoServer

from lambdalab.clock import Clock
from lambdalab.model import FunctionSpec
from lambdalab.runtime import RuntimeService

BOTO3_HANDLER = "import boto3\ndef handler(event, context):\n    return event\n"
CLIENT_HANDLER = (
    "import boto3\ns3 = boto3.client('s3')\ndef handler(event, context):\n    return event\n"
)
PLAIN_HANDLER = "def handler(event, context):\n    return event\n"


class NullSink:
    def put(self, group, stream, events):
        pass


def zipped(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", code)
    return buf.getvalue()


def spec(code: str, name: str, n: int = 0) -> FunctionSpec:
    return FunctionSpec(
        name=name,
        arn=f"arn:aws:lambda:ap-northeast-1:123456789012:function:{name}",
        handler="app.handler",
        runtime="python3.12",
        code_zip=zipped(code),
        environment={"RUN": str(n)},  # a new key each time: forces a cold start
        timeout=30.0,
    )


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def time_boto3_import() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import boto3"], check=True)
    return time.perf_counter() - t0


def time_cold(svc: RuntimeService, code: str, repeat: int, *, baseline: bool = False):
    """Median cold start (ms); with ``baseline``, also the median ``import boto3``, sampled in
    turn with it (machine load hits both alike). Returns (cold, baseline or None)."""
    cold, imports = [], []
    for n in range(repeat):
        if baseline:
            imports.append(time_boto3_import())
        t0 = time.perf_counter()
        result = svc.invoke(spec(code, "cold", n), b"{}")
        cold.append(time.perf_counter() - t0)
        if not result.ok:
            print("cold start failed:", result.payload, file=sys.stderr)
    svc.stop_all()
    return median_ms(cold), median_ms(imports) if baseline else None


def time_warm(svc: RuntimeService, repeat: int) -> tuple[float, int | None]:
    s = spec(PLAIN_HANDLER, "warm")
    svc.invoke(s, b"{}")
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        svc.invoke(s, b'{"k": "v"}')
        samples.append(time.perf_counter() - t0)
    time.sleep(0.2)
    rss = svc.environments()[0].rss_mb
    svc.stop_all()
    return median_ms(samples), rss


def idle_rss(svc: RuntimeService, code: str) -> int | None:
    svc.invoke(spec(code, "idle"), b"{}")
    time.sleep(0.2)
    rss = svc.environments()[0].rss_mb
    svc.stop_all()
    return rss


def time_s3_get(repeat: int) -> float:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=f"http://{host}:{port}",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket="bench")
        s3.put_object(Bucket="bench", Key="k", Body=b"v")
        s3.get_object(Bucket="bench", Key="k")["Body"].read()
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            s3.get_object(Bucket="bench", Key="k")["Body"].read()
            samples.append(time.perf_counter() - t0)
        return median_ms(samples)
    finally:
        server.stop()


def time_through_the_lab(repeat: int) -> tuple[float, float]:
    """Both round trips through the lab's HTTP front door, as a notebook makes them:
    ``lambda.invoke`` of a warm function vs ``s3.get_object``, same server, IAM enforced."""
    import lambdalab
    from lambdalab.course import deploy_function

    lab = lambdalab.start()
    try:
        deploy_function("bench-echo", PLAIN_HANDLER, handler="lambda_function.handler")
        lam, s3 = lab.client("lambda"), lab.client("s3")
        s3.create_bucket(
            Bucket="bench-get", CreateBucketConfiguration={"LocationConstraint": lab.region}
        )
        s3.put_object(Bucket="bench-get", Key="k", Body=b"v")

        def invoke() -> None:
            lam.invoke(FunctionName="bench-echo", Payload=b"{}")["Payload"].read()

        def get() -> None:
            s3.get_object(Bucket="bench-get", Key="k")["Body"].read()

        medians = []
        for call in (invoke, get):
            call()  # warm up (cold start, connection)
            samples = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                call()
                samples.append(time.perf_counter() - t0)
            medians.append(median_ms(samples))
        return medians[0], medians[1]
    finally:
        lab.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="cold-start samples (median)")
    args = parser.parse_args()
    clients = ["builtin"]
    if importlib.util.find_spec("awslambdaric"):
        clients.insert(0, "awslambdaric")

    s3_ms = time_s3_get(200)
    rows: list[tuple[str, str, str, str]] = []
    rows.append(("S3 GetObject (moto server)", f"{s3_ms:8.2f} ms", "", ""))
    for client in clients:
        svc = RuntimeService(
            Clock(), lambda s: NullSink(), lambda s: {}, "http://127.0.0.1:9", client=client
        )
        try:
            cold_boto3, boto3_ms = time_cold(svc, BOTO3_HANDLER, args.repeat, baseline=True)
            cold_plain, _ = time_cold(svc, PLAIN_HANDLER, args.repeat)
            cold_client, _ = time_cold(svc, CLIENT_HANDLER, args.repeat)
            warm, _ = time_warm(svc, 300)
            rss_plain = idle_rss(svc, PLAIN_HANDLER)
            rss_boto3 = idle_rss(svc, CLIENT_HANDLER)
        finally:
            svc.close()
        ratio = cold_boto3 / boto3_ms
        rows += [
            (f"[{client}] python -c 'import boto3'", f"{boto3_ms:8.1f} ms", "", ""),
            (f"[{client}] cold start, 'import boto3' handler", f"{cold_boto3:8.1f} ms",
             f"{ratio:5.2f}x boto3 import", "<= 1.5x " + ("ok" if ratio <= 1.5 else "MISSED")),
            (f"[{client}] cold start, plain handler", f"{cold_plain:8.1f} ms",
             f"{cold_plain / boto3_ms:5.2f}x boto3 import", ""),
            (f"[{client}] cold start, module-level boto3.client", f"{cold_client:8.1f} ms",
             f"{cold_client / boto3_ms:5.2f}x boto3 import", "(learner's code)"),
            (f"[{client}] warm invoke round trip", f"{warm:8.2f} ms",
             f"{warm / s3_ms:5.2f}x S3 GetObject",
             "<= 5x " + ("ok" if warm / s3_ms <= 5 else "MISSED")),
            (f"[{client}] idle RSS, plain handler", f"{rss_plain} MB", "",
             "<= 60 MB " + ("ok" if rss_plain and rss_plain <= 60 else "MISSED")),
            (f"[{client}] idle RSS, boto3 client made", f"{rss_boto3} MB", "", "(learner's code)"),
        ]  # fmt: skip
    lab_invoke, lab_get = time_through_the_lab(200)
    rows += [
        ("[lab HTTP] lambda.invoke, warm", f"{lab_invoke:8.2f} ms",
         f"{lab_invoke / lab_get:5.2f}x S3 GetObject",
         "<= 5x " + ("ok" if lab_invoke / lab_get <= 5 else "MISSED")),
        ("[lab HTTP] s3.get_object", f"{lab_get:8.2f} ms", "", ""),
    ]  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    print(f"python {sys.version.split()[0]} on {sys.platform}; medians")
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()
