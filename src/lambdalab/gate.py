"""The lab's front door: which requests may reach moto at all (pure apart from the key lookup).

A learner reads AWS documentation in a browser while the lab listens on 127.0.0.1, and a
workshop host runs many learners' labs. So, before moto sees a request:

* **Web pages get nothing.** A request with an ``Origin`` header, or one a browser marks as
  sent by a page (``Sec-Fetch-Site`` other than ``none``), is refused — except a top-level
  navigation (opening a presigned URL), whose answer only the user sees. No answer carries
  ``Access-Control-Allow-*`` headers (:func:`strip_cors`), so no page can read one.
* **moto's own admin API** (``/moto-api/…``: dashboard, ``data.json``, reset, recorder, seed,
  proxy) is not served: it would hand out every secret and wipe the lab without a signature.
* **Every request is authenticated as AWS does**: signed (SigV4, header or presigned URL) with a
  key the lab issued and a signature that matches, or anonymous — which only S3 accepts, and
  then only where a bucket policy makes the object public (decided in the moto adapter, which
  knows the action and resource). Refusals use the service's own error codes and protocol.

The rules and their tests are listed in docs/SECURITY.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambdalab import sigv4, wire
from lambdalab.iam import IssuedKey

MOTO_ADMIN_PREFIX = "/moto-api"
LAB_API_PREFIX = "/_lambdalab/api/"
LAB_API_SERVICE = "lambdalab"  # the signing name of the lab's own API (attach, reset, …)
ENVIRON_KEY = "lambdalab.admission"


@dataclass(frozen=True)
class Admitted:
    """A request the gate lets through, and who sent it."""

    access_key_id: str | None  # None: anonymous (S3 decides with the bucket policy)
    service: wire.Service = wire.Service("s3", "s3")
    presigned: bool = False
    credential: str = ""  # the credential scope, ``AKID/date/region/service/aws4_request``
    session_token: str | None = None


@dataclass(frozen=True)
class Refused:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def screen(
    environ: dict[str, Any],
    body: bytes,
    *,
    find_key: Callable[[str], IssuedKey | None],
    admin_key_id: str,
) -> Admitted | Refused:
    """Decide on one request (``body`` is the raw body, already read)."""
    headers = request_headers(environ)
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    lab_api = path.startswith(LAB_API_PREFIX)
    service = (
        wire.Service(LAB_API_SERVICE, "json", rest=True)
        if lab_api
        else wire.identify(headers, path, query, body)
    )

    def refuse(failure: str, message: str | None = None, **extra: str) -> Refused:
        status, out, payload = wire.error_response(
            service, failure, message=message, method=method, extra=extra
        )
        return Refused(status, out, payload)

    origin = web_page_origin(headers, method)
    if origin is not None:
        return refuse(
            "access_denied",
            f"lambdalab does not answer web pages ({origin}). Call it from boto3, the AWS CLI "
            "or terraform on this machine.",
        )
    if path == MOTO_ADMIN_PREFIX or path.startswith(MOTO_ADMIN_PREFIX + "/"):
        return not_found("moto's admin API is not served by lambdalab; use lab.reset().")
    try:
        claim = sigv4.parse(headers, query)
    except sigv4.MalformedSignature:
        return refuse("malformed_authorization")
    if claim is None:
        if service.name == "s3":
            return Admitted(None, service)
        return refuse("missing_authentication")
    key = find_key(claim.access_key_id)
    if key is None or not key.active:
        return refuse("unknown_access_key", AWSAccessKeyId=claim.access_key_id)
    if key.session_token is not None and claim.session_token != key.session_token:
        return refuse("invalid_token")
    if key.session_token is None and claim.session_token:
        return refuse("invalid_token")
    if sigv4.expired(claim):
        return refuse("expired")
    raw_path = environ.get("RAW_URI", "").split("?", 1)[0] or path
    if not sigv4.matches(
        claim,
        key.secret_access_key,
        method=method,
        raw_path=raw_path,
        query=query,
        headers=headers,
        body=body,
    ):
        return refuse("signature_mismatch", AWSAccessKeyId=claim.access_key_id)
    if lab_api and (claim.service != LAB_API_SERVICE or claim.access_key_id != admin_key_id):
        # The lab's own API (reset, invocations, …) is the learner's alone: a function's role
        # session, or any other IAM user, is refused even with a valid signature.
        return refuse("access_denied", "Only the learner's own lab key may call the lab's API.")
    return Admitted(
        claim.access_key_id,
        service,
        presigned=claim.presigned,
        credential=f"{claim.access_key_id}/{claim.scope}",
        session_token=claim.session_token,
    )


def web_page_origin(headers: dict[str, str], method: str) -> str | None:
    """Why a request looks sent by a web page (None when it does not).

    Browsers add ``Origin`` to every cross-origin fetch and to every POST, and ``Sec-Fetch-Site``
    to every request; SDKs, the CLI and terraform send neither. A top-level GET navigation (the
    user opens a presigned URL) is let through: its answer is shown to the user, never to the
    page that linked it (https://developer.mozilla.org/docs/Web/HTTP/Headers/Sec-Fetch-Site).
    """
    lower = {k.lower(): v for k, v in headers.items()}
    if "origin" in lower:
        return f"Origin: {lower['origin']}"
    site = lower.get("sec-fetch-site")
    if site is None or site == "none":
        return None
    navigation = (
        lower.get("sec-fetch-mode") == "navigate"
        and lower.get("sec-fetch-dest", "document") == "document"
        and method in ("GET", "HEAD")
    )
    return None if navigation else f"Sec-Fetch-Site: {site}"


def request_headers(environ: dict[str, Any]) -> dict[str, str]:
    """HTTP headers of a WSGI request, with their usual spelling (``X-Amz-Date``)."""
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").title()] = value
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["Content-Length"] = environ["CONTENT_LENGTH"]
    return headers


def not_found(message: str) -> Refused:
    body = json.dumps({"message": message}).encode()
    return Refused(
        404, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body
    )


def refusal(service: wire.Service, failure: str, method: str) -> Refused:
    """One of ``wire.FAILURES`` as a response, for the moto adapters and the server."""
    return Refused(*wire.error_response(service, failure, method=method))


def strip_cors(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop every ``Access-Control-*`` header (moto adds them; the lab answers no web page)."""
    return [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
