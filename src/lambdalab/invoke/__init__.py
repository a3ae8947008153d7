"""Asynchronous invocation: queue, retry policy, DLQ/destination records and delivery, metrics.

Independent of moto's internals; the lab's glue supplies callbacks (see :mod:`.engine`).
"""

from lambdalab.awserror import AwsError

from .engine import OUTCOMES, AsyncEngine, Attempt
from .errors import DeliveryError, Throttled
from .events import AsyncEvent, lineage_count, with_lineage
from .settings import AsyncSettings

__all__ = [
    "OUTCOMES",
    "AsyncEngine",
    "AsyncEvent",
    "AsyncSettings",
    "Attempt",
    "AwsError",
    "DeliveryError",
    "Throttled",
    "lineage_count",
    "with_lineage",
]
