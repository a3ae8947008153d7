"""The one error type of the lab's AWS-facing layer.

Every check the lab makes on a request (limits, event invoke configs, mappings, notification
documents, the data plane's own refusals) raises :class:`AwsError` with AWS's code, message and
HTTP status. Only the moto adapters (:mod:`lambdalab.moto.adapter`) turn it into the wire
format of the service that was addressed, so the lab's logic never imports moto's exceptions.
"""

from __future__ import annotations

from typing import Any


class AwsError(Exception):
    """An AWS API error as the caller must see it: error code, message and HTTP status.

    ``fields`` are extra members of the error body that AWS sends with some errors: Lambda's
    ``Reason`` on a throttle, S3's ``ArgumentName`` / ``ArgumentValue`` on an invalid argument.
    """

    def __init__(self, code: str, message: str, status: int = 400, **fields: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.fields: dict[str, Any] = dict(fields)

    def as_tuple(self) -> tuple[str, str, int]:
        return (self.code, self.message, self.status)
