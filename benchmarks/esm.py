"""SQS event source mapping speed (issue 14). Prints measured values and ratios; asserts nothing.

1. N messages (10,000 by default) through a mapping with BatchSize 10 to a trivial handler:
   messages/s from creating the mapping until the queue is drained, compared with receiving
   (10 at a time) and deleting (DeleteMessageBatch) the same number of messages directly with
   one boto3 client against the same server, in the same run.
2. A poison message through ``maxReceiveCount=3`` with a 30 s visibility timeout (three
   failed batches at 0 s / 30 s / 60 s, then the queue's DLQ on the next receive at 90 s):
   simulated ÷ wall seconds.

Measured on the 2-core development machine under load from other sessions (one run,
2026-12-01): poison message 90 simulated s in 0.17 wall s (516×); 10,000 messages directly
116 messages/s, through the mapping 708 messages/s (6.1×: the pollers read moto's queue
in-process and delete a batch in one pass, where DeleteMessageBatch deletes one by one).

Run: ``.venv/bin/python benchmarks/esm.py [--messages 10000]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import lambdalab  # noqa: E402
from lambdalab.course import deploy_function  # noqa: E402

TRIVIAL = "def lambda_handler(event, context):\n    return None\n"
FAIL = "def lambda_handler(event, context):\n    raise RuntimeError('poison')\n"
POLLING = [
    {
        "Effect": "Allow",
        "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        "Resource": "*",
    }
]


def queue(sqs, name: str, **attributes: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def fill(sqs, url: str, n: int) -> None:
    for start in range(0, n, 10):
        entries = [
            {"Id": str(i), "MessageBody": json.dumps({"n": start + i})}
            for i in range(min(10, n - start))
        ]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)


def depth(sqs, url: str) -> int:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def through_mapping(lab, n: int) -> tuple[float, int, int]:
    """(messages/s, batches, highest concurrency seen)."""
    sqs, lam = lab.client("sqs"), lab.client("lambda")
    deploy_function("bench-trivial", TRIVIAL, role_statements=POLLING)
    url, arn = queue(sqs, "bench-mapped")
    fill(sqs, url, n)
    t0 = time.perf_counter()
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="bench-trivial", BatchSize=10)
    lab.wait_idle(3600)
    wall = time.perf_counter() - t0
    left = depth(sqs, url)
    assert left == 0, f"{left} messages left in the mapped queue"
    batches = lab.invocations("bench-trivial")
    handled = sum(len(b.message_ids) for b in batches if b.outcome == "success")
    assert handled == n, f"{handled} of {n} messages handled"
    peak = max(sum(1 for o in batches if o.start <= b.start < o.end) for b in batches)
    return n / wall, len(batches), peak


def directly(lab, n: int) -> float:
    """ReceiveMessage (10) + DeleteMessageBatch from one boto3 client, messages/s."""
    sqs = lab.client("sqs")
    url, _ = queue(sqs, "bench-direct")
    fill(sqs, url, n)
    done = 0
    t0 = time.perf_counter()
    while done < n:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            break
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )
        done += len(messages)
    wall = time.perf_counter() - t0
    assert done == n, f"received {done} of {n}"
    return n / wall


def poison(lab) -> tuple[float, float, list[float]]:
    """(simulated s, wall s, attempt offsets) of one poison message to the queue's DLQ."""
    sqs, lam = lab.client("sqs"), lab.client("lambda")
    deploy_function("bench-poison", FAIL, role_statements=POLLING)
    dlq_url, dlq_arn = queue(sqs, "bench-poison-dlq")
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    url, arn = queue(sqs, "bench-poison", VisibilityTimeout="30", RedrivePolicy=policy)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="bench-poison", BatchSize=1)
    lab.wait_idle(60)  # the mapping is Enabled
    sim0, wall0 = lab.clock.time(), time.perf_counter()
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    lab.wait_idle(120)
    wall = time.perf_counter() - wall0
    simulated = lab.clock.time() - sim0
    assert sqs.receive_message(QueueUrl=dlq_url).get("Messages"), "nothing reached the DLQ"
    attempts = lab.invocations("bench-poison")
    offsets = [(a.start - attempts[0].start).total_seconds() for a in attempts]
    return simulated, wall, offsets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    lab = lambdalab.start()
    try:
        lab.reset()
        simulated, wall, offsets = poison(lab)
        print(
            f"poison message, maxReceiveCount=3, visibility 30 s: {simulated:.1f} simulated s "
            f"in {wall:.2f} wall s → {simulated / wall:.0f}× (attempts at "
            + ", ".join(f"{o:.0f} s" for o in offsets)
            + ")"
        )
        lab.reset()
        direct = directly(lab, args.messages)
        print(f"direct ReceiveMessage + DeleteMessageBatch: {direct:.0f} messages/s")
        lab.reset()
        mapped, batches, peak = through_mapping(lab, args.messages)
        print(
            f"through the mapping (BatchSize 10, {batches} batches, up to {peak} at once): "
            f"{mapped:.0f} messages/s → {mapped / direct:.2f}× direct"
        )
    finally:
        lab.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
