"""Exceptions shared by the async engine and the glue that maps them onto AWS responses."""

from __future__ import annotations


class AwsError(Exception):
    """An AWS API error as the caller must see it: error code, message and HTTP status.

    The validation helpers raise it so the moto glue can answer with AWS's exact wording.
    """

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def as_tuple(self) -> tuple[str, str, int]:
        return (self.code, self.message, self.status)


class Throttled(Exception):
    """Raised by ``run_attempt`` when no capacity is available (the 429 path).

    The event goes back to the queue with back-off; it does not use the retry budget
    [AWS_BEHAVIOUR: throttle-backoff, throttle-not-a-retry].
    """


class DeliveryError(Exception):
    """A DLQ or destination send failed (permissions, missing target, FIFO, size).

    [AWS_BEHAVIOUR: delivery-failures]
    """
