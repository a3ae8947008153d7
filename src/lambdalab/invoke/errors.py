"""Exceptions of the async engine (AWS errors are :class:`lambdalab.awserror.AwsError`)."""

from __future__ import annotations


class Throttled(Exception):
    """Raised by ``run_attempt`` when no capacity is available (the 429 path).

    The event goes back to the queue with back-off; it does not use the retry budget
    [AWS_BEHAVIOUR: throttle-backoff, throttle-not-a-retry].
    """


class DeliveryError(Exception):
    """A DLQ or destination send failed (permissions, missing target, FIFO, size).

    [AWS_BEHAVIOUR: delivery-failures]
    """
