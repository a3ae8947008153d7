"""Async path speed (issue 4). Prints measured values and ratios; asserts nothing.

1. The default failing event (3 attempts + DLQ, ~180 simulated s): simulated ÷ wall seconds
   (target ≥ 300×).
2. N uploads through the article's move function (S3 → async queue → handler copies to
   processed/ and deletes): events/s vs doing the same copy + delete directly with boto3
   against the same server, measured in the same run (target ≥ 0.5×). Measured twice: from
   a new function (the burst scales out to 10 environments, each a cold start importing
   boto3), then again with those environments warm. CPU per event is printed for the lab
   process and the environments, because on a small machine they share the same cores.
   For scale, the same uploads moved by plain worker processes (no queue, no environments):
   the ceiling of this path on this machine, where one process serves every request.
3. Peak resident memory of the whole lab (this process + its execution environments).

Run: ``.venv/bin/python benchmarks/async.py [--uploads 500]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import lambdalab  # noqa: E402
from lambdalab.course import deploy_function  # noqa: E402

FAIL = "def lambda_handler(event, context):\n    raise RuntimeError('boom')\n"


def descendants() -> list[int]:
    """Pids of this process's children and theirs (Linux /proc; children are listed per
    thread, and the lab starts environments from its worker threads)."""
    found, stack = [], [os.getpid()]
    while stack:
        pid = stack.pop()
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                kids = [int(p) for p in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            found += kids
            stack += kids
    return found


def tree_rss_mb() -> float:
    """Current RSS of this process and all its descendants."""
    total = 0
    for pid in [os.getpid(), *descendants()]:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


class PeakRss(threading.Thread):
    """Samples :func:`tree_rss_mb` every 50 ms: the peak of the whole lab during the run."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.05):
            self.peak = max(self.peak, tree_rss_mb())


def failing_event(lab) -> tuple[float, float]:
    sqs = lab.client("sqs")
    url = sqs.create_queue(QueueName="bench-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    deploy_function(
        "bench-fail",
        FAIL,
        role_statements=[{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn}],
        dead_letter_arn=arn,
    )
    lam = lab.client("lambda")
    sim0, wall0 = lab.clock.time(), time.perf_counter()
    lam.invoke(FunctionName="bench-fail", InvocationType="Event", Payload=b"{}")
    lab.wait_idle(120)
    wall = time.perf_counter() - wall0
    simulated = lab.clock.time() - sim0
    delivered = sqs.receive_message(QueueUrl=url).get("Messages", [])
    assert delivered, "the failed event did not reach the DLQ"
    return simulated, wall


def direct_moves_per_second(s3, bucket: str, n: int, tag: str) -> float:
    """The same copy + delete the handler does, from one boto3 client (no notification)."""
    for i in range(n):
        s3.put_object(Bucket=bucket, Key=f"direct-{tag}/{i}.txt", Body=b"Sample content\n")
    t0 = time.perf_counter()
    for i in range(n):
        s3.copy_object(
            Bucket=bucket,
            Key=f"done-{tag}/{i}.txt",
            CopySource={"Bucket": bucket, "Key": f"direct-{tag}/{i}.txt"},
        )
        s3.delete_object(Bucket=bucket, Key=f"direct-{tag}/{i}.txt")
    return n / (time.perf_counter() - t0)


def mover(keys, ready, bucket: str) -> None:
    """A plain worker process doing the handler's copy + delete (no Lambda around it)."""
    import boto3

    s3 = boto3.client("s3")  # the lab's endpoint and keys come from the inherited environment
    ready.set()
    while (key := keys.get()) is not None:
        source = {"Bucket": bucket, "Key": key}
        s3.copy_object(Bucket=bucket, Key="moved/" + key.split("/")[-1], CopySource=source)
        s3.delete_object(Bucket=bucket, Key=key)


def without_lambda_rate(s3, bucket: str, n: int, workers: int) -> float:
    """The ceiling: the same uploads, each moved by one of ``workers`` plain processes.

    Same requests against the same server as the lab path (put from here, copy + delete from
    other processes), minus everything Lambda adds: queue, environments, Runtime API, logs.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    keys = ctx.Queue()
    ready = [ctx.Event() for _ in range(workers)]
    procs = [ctx.Process(target=mover, args=(keys, r, bucket)) for r in ready]
    for proc in procs:
        proc.start()
    for r in ready:
        r.wait(60)
    t0 = time.perf_counter()
    for i in range(n):
        s3.put_object(Bucket=bucket, Key=f"plain/{i}.txt", Body=b"Sample content\n")
        keys.put(f"plain/{i}.txt")
    for _ in procs:
        keys.put(None)
    for proc in procs:
        proc.join()
    rate = n / (time.perf_counter() - t0)
    moved = s3.list_objects_v2(Bucket=bucket, Prefix="moved/").get("KeyCount", 0)
    assert moved == n, f"only {moved} of {n} plain uploads were moved"
    return rate


def uploads(lab, n: int) -> tuple[Burst, Burst, float, float]:
    s3 = lab.client("s3")
    bucket = "bench-uploads"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": lab.region})
    before = direct_moves_per_second(s3, bucket, n, "before")
    ceiling = without_lambda_rate(s3, bucket, n, workers=os.cpu_count() or 2)

    arn = deploy_function(
        "bench-move",
        ROOT / "lambda_functions" / "s3_move",
        role_statements=[
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    )
    lab.client("lambda").add_permission(
        FunctionName="bench-move",
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
    )
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "LambdaFunctionArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
                }
            ]
        },
    )
    cold = burst(lab, s3, bucket, n, "cold")  # the function's first events: 10 cold starts
    warm = burst(lab, s3, bucket, n, "warm")  # the same again, environments already warm
    # The baseline is measured before and after the lab runs (machine drift), and averaged.
    direct_rate = (before + direct_moves_per_second(s3, bucket, n, "after")) / 2
    return cold, warm, direct_rate, ceiling


def burst(lab, s3, bucket: str, n: int, tag: str) -> Burst:
    """Upload ``n`` objects as fast as one client can; return once every event was handled."""
    cpu0, children0 = process_cpu(), children_cpu()
    t0 = time.perf_counter()
    for i in range(n):
        s3.put_object(Bucket=bucket, Key=f"uploads/{tag}-{i}.txt", Body=b"Sample content\n")
    uploaded = time.perf_counter() - t0
    lab.wait_idle(600)
    wall = time.perf_counter() - t0
    moved = s3.list_objects_v2(Bucket=bucket, Prefix=f"processed/{tag}-").get("KeyCount", 0)
    assert moved == n, f"only {moved} of {n} {tag} uploads were moved"
    return Burst(
        rate=n / wall,
        uploaded_s=uploaded,
        wall_s=wall,
        lab_cpu_ms=(process_cpu() - cpu0) / n * 1000,
        env_cpu_ms=(children_cpu() - children0) / n * 1000,
    )


@dataclass
class Burst:
    rate: float  # events/s from the first upload until the lab is idle
    uploaded_s: float
    wall_s: float
    lab_cpu_ms: float  # CPU per event of this process (server, engine, the uploading client)
    env_cpu_ms: float  # CPU per event of the execution environments


def process_cpu() -> float:
    return time.process_time()


def children_cpu() -> float:
    """CPU seconds of this process's live descendants and of the children it waited for."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = used.ru_utime + used.ru_stime
    tick = os.sysconf("SC_CLK_TCK")
    for pid in descendants():
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            seconds += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=500)
    args = parser.parse_args()
    lab = lambdalab.start()
    lab.reset()
    sampler = PeakRss()
    sampler.start()
    simulated, wall = failing_event(lab)
    lab.reset()
    cold, warm, direct_rate, ceiling = uploads(lab, args.uploads)
    sampler.stopped.set()
    sampler.join()
    peak = sampler.peak
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    rows = [
        ("failing event: simulated s", f"{simulated:.1f}", ""),
        ("failing event: wall s", f"{wall:.3f}", ""),
        ("simulated ÷ wall", f"{simulated / wall:.0f}×", "target ≥ 300×"),
        ("direct copy+delete: moves/s", f"{direct_rate:.1f}", "one boto3 client, same server"),
        (
            f"{args.uploads} uploads moved by {cores} plain processes: /s",
            f"{ceiling:.1f}",
            f"{ceiling / direct_rate:.2f}× direct: the ceiling without Lambda",
        ),
    ]
    for name, b in (("cold", cold), ("warm", warm)):
        rows += [
            (f"{args.uploads} uploads, {name}: events/s", f"{b.rate:.1f}", ""),
            (
                f"  {name}: uploads done after / idle after s",
                f"{b.uploaded_s:.2f} / {b.wall_s:.2f}",
                "",
            ),
            (
                f"  {name}: CPU ms per event, lab / environments",
                f"{b.lab_cpu_ms:.1f} / {b.env_cpu_ms:.1f}",
                f"{cores} cores",
            ),
            (
                f"  {name}: lab ÷ direct",
                f"{b.rate / direct_rate:.2f}×",
                "target ≥ 0.5×" if name == "cold" else "(steady state, for comparison)",
            ),
        ]
    rows.append(("peak RSS of the lab (MB)", f"{peak:.0f}", "this process + environments, sampled"))
    width = max(len(r[0]) for r in rows)
    print(json.dumps({"benchmark": "async"}))
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")
    lab.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
