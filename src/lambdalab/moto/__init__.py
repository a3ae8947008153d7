"""Every change the lab makes to moto: thin adapters, one module per concern, pinned to the
tested moto range.

moto gives us the AWS control plane (S3, IAM, STS, SQS, SNS, EventBridge, Logs, CloudWatch and
Lambda's CRUD APIs). What it lacks, the lab adds; each module here only translates moto's calls into
calls of the lab (the data plane, the pure rules in :mod:`lambdalab.limits`,
:mod:`lambdalab.invoke.settings`, :mod:`lambdalab.s3events`, :mod:`lambdalab.esm`):

* :mod:`.auth` — IAM enforced on the lab's requests only, against real resource ARNs;
* :mod:`.lambda_invoke` — ``Invoke`` / ``InvokeAsync`` run the real handler or queue the event;
* :mod:`.lambda_config` — ``CreateFunction`` / ``Update…`` validate as AWS does and keep what
  moto drops (DLQ, logging config) in the lab's function records (:mod:`lambdalab.functions`);
* :mod:`.lambda_eic` — ``FunctionEventInvokeConfig`` and ``FunctionRecursionConfig``;
* :mod:`.lambda_concurrency` — ``PutFunctionConcurrency``'s refusals;
* :mod:`.sns` — SNS → Lambda subscriptions through the async path;
* :mod:`.events` — EventBridge rules → Lambda targets through the async path, AWS's envelope and
  target input for the targets the lab delivers to;
* :mod:`.s3` — S3 notifications, their validation, key length;
* :mod:`.event_source_mappings` — SQS mappings answered by :mod:`lambdalab.esm`, SQS on the
  lab's clock.

Each module names what it patches (``hooks()``) and patches it (``install()``); :func:`check`
fails loudly when moto changes underneath (tests/test_moto_adapters.py runs it).
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from lambdalab.moto import (
    adapter,
    auth,
    event_source_mappings,
    events,
    lambda_concurrency,
    lambda_config,
    lambda_eic,
    lambda_invoke,
    s3,
    sns,
)

TESTED_MOTO = ((5, 2, 5), (5, 3, 0))  # [low, high)
CONCERNS = (
    auth,
    lambda_invoke,
    lambda_config,
    lambda_eic,
    lambda_concurrency,
    sns,
    events,
    s3,
    event_source_mappings,
)

set_dataplane = adapter.set_dataplane
log_group = lambda_config.log_group
_applied = False


def moto_version() -> tuple[int, ...]:
    return tuple(int(p) for p in version("moto").split(".")[:3] if p.isdigit())


def hooks() -> list[tuple[Any, str]]:
    """Every (owner, attribute) of moto the adapters replace or rely on."""
    return [hook for concern in CONCERNS for hook in concern.hooks()]


def check() -> None:
    """Raise if moto is outside the tested range or lacks a hook we patch."""
    low, high = TESTED_MOTO
    current = moto_version()
    if not (low <= current < high):
        raise RuntimeError(
            f"lambdalab was tested with moto >= {'.'.join(map(str, low))} and < "
            f"{'.'.join(map(str, high))}, found {version('moto')}. Reinstall with `make install`."
        )
    from moto.logs import models as logm

    required = [*hooks(), (logm.LogStream, "put_log_events")]  # lambdalab.logsink writes there
    missing = [f"{owner.__name__}.{name}" for owner, name in required if not hasattr(owner, name)]
    if missing:
        raise RuntimeError(f"moto {version('moto')} lacks what lambdalab patches: {missing}")


def apply() -> None:
    """Install every adapter (idempotent)."""
    global _applied
    if _applied:
        return
    check()
    for concern in CONCERNS:
        concern.install()
    _applied = True
