"""Which AWS service a raw HTTP request addresses, and an error body in that service's protocol.

The lab's front door (:mod:`lambdalab.gate`) refuses some requests before moto sees them. AWS
answers such a request in the protocol of the service addressed — XML for S3 and the query
APIs (IAM, STS, SNS, SQS query), JSON for the JSON APIs (Logs, EventBridge, SQS JSON), REST JSON
for Lambda — so SDKs and the CLI show the usual ``ClientError`` with a code and message, never
an HTML page. Pure: works on a plain ``environ``-like view of the request.

Protocols per service: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html,
https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html and the SDKs' service
models (``metadata.protocol``).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

# X-Amz-Target prefixes → signing name, for requests that carry no credential scope.
_TARGET_SERVICES = {
    "AmazonSQS": "sqs",
    "Logs_20140328": "logs",
    "AWSEvents": "events",
    "GraniteServiceVersion20100801": "monitoring",
    "AWSLambda": "lambda",
}
# API versions of the query protocol → signing name.
_QUERY_VERSIONS = {
    "2012-11-05": "sqs",
    "2010-03-31": "sns",
    "2010-05-08": "iam",
    "2011-06-15": "sts",
    "2010-08-01": "monitoring",
}
_QUERY_NAMESPACES = {
    "sqs": "http://queue.amazonaws.com/doc/2012-11-05/",
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "monitoring": "http://monitoring.amazonaws.com/doc/2010-08-01/",
}
_LAMBDA_PATH = re.compile(r"^/20\d\d-\d\d-\d\d/")
_CBOR_PATH = re.compile(r"^/service/([^/]+)/operation/")
_CREDENTIAL_SCOPE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")

# Failures at the front door, in each protocol's words (code, message, HTTP status).
# S3: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
# Query and JSON APIs: https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
_SIGNATURE_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
_TOKEN_MESSAGE = "The security token included in the request is invalid."
FAILURES: dict[str, dict[str, tuple[str, str, int]]] = {
    "missing_authentication": {
        "s3": ("AccessDenied", "Access Denied", 403),
        "query": ("MissingAuthenticationToken", "Request is missing Authentication Token", 403),
        "json": ("MissingAuthenticationTokenException", "Missing Authentication Token", 403),
    },
    "unknown_access_key": {
        "s3": (
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            403,
        ),
        "query": ("InvalidClientTokenId", _TOKEN_MESSAGE, 403),
        "json": ("UnrecognizedClientException", _TOKEN_MESSAGE, 403),
    },
    "invalid_token": {
        "s3": ("InvalidToken", "The provided token is malformed or otherwise invalid.", 400),
        "query": ("InvalidClientTokenId", _TOKEN_MESSAGE, 403),
        "json": ("UnrecognizedClientException", _TOKEN_MESSAGE, 403),
    },
    "signature_mismatch": {
        "s3": (
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
            403,
        ),
        "query": ("SignatureDoesNotMatch", _SIGNATURE_MESSAGE, 403),
        "json": ("InvalidSignatureException", _SIGNATURE_MESSAGE, 403),
    },
    "malformed_authorization": {
        "s3": (
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed; lambdalab accepts AWS Signature Version 4 "
            "(AWS4-HMAC-SHA256) only.",
            400,
        ),
        "query": (
            "IncompleteSignature",
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
            "parameters (AWS4-HMAC-SHA256).",
            403,
        ),
        "json": (
            "IncompleteSignatureException",
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
            "parameters (AWS4-HMAC-SHA256).",
            403,
        ),
    },
    "expired": {
        "s3": ("AccessDenied", "Request has expired", 403),
        "query": ("ExpiredToken", "The security token included in the request is expired", 403),
        "json": (
            "ExpiredTokenException",
            "The security token included in the request is expired",
            403,
        ),
    },
    "key_too_long": {
        "s3": ("KeyTooLongError", "Your key is too long", 400),
        "query": ("ValidationError", "Your key is too long", 400),
        "json": ("ValidationException", "Your key is too long", 400),
    },
    # A request the lab's moto could not process (it raised): the client's input, in practice.
    "unprocessable": {
        "s3": (
            "InvalidRequest",
            "lambdalab could not process this request; details are in lab.server_log.",
            400,
        ),
        "query": (
            "InvalidParameterValue",
            "lambdalab could not process this request; details are in lab.server_log.",
            400,
        ),
        "json": (
            "ValidationException",
            "lambdalab could not process this request; details are in lab.server_log.",
            400,
        ),
    },
    "not_utf8": {
        "s3": ("InvalidRequest", "The request is not valid UTF-8.", 400),
        "query": ("MalformedInput", "The request is not valid UTF-8.", 400),
        "json": (
            "InvalidRequestContentException",
            "Could not parse request body into json: Could not parse payload into json: "
            "Invalid UTF-8 start byte",
            400,
        ),
    },
    "unknown_operation": {
        "s3": ("InvalidRequest", "The requested resource or operation does not exist.", 400),
        "query": (
            "InvalidAction",
            "The action or operation requested is invalid. Verify that the action is typed "
            "correctly.",
            400,
        ),
        "json": ("UnknownOperationException", "The requested operation does not exist.", 404),
    },
    "access_denied": {
        "s3": ("AccessDenied", "Access Denied", 403),
        "query": ("AccessDenied", "Access Denied", 403),
        "json": ("AccessDeniedException", "Access Denied", 403),
    },
}


@dataclass(frozen=True)
class Service:
    """The service a request addresses and the protocol it speaks."""

    name: str  # signing name: s3, lambda, sqs, sns, iam, sts, logs, monitoring, events, …
    protocol: str  # "s3" (REST XML), "query", "json" (incl. REST JSON, CBOR) — FAILURES columns
    json_version: str = "1.1"
    rest: bool = False  # REST JSON (Lambda): code in a header, not in the body
    cbor: bool = False  # Smithy RPC v2 CBOR (CloudWatch in current SDKs)

    @property
    def query_compatible(self) -> bool:
        """SQS's and CloudWatch's newer protocols also report the query error code
        (``x-amzn-query-error``), which SDKs prefer."""
        return self.protocol == "json" and self.name in ("sqs", "monitoring")


def credential_scope(authorization: str, query: str) -> tuple[str, str, str, str] | None:
    """(access key id, date, region, service) from a SigV4 header or presigned query, or None."""
    match = _CREDENTIAL_SCOPE.search(authorization)
    if match:
        return match.group(1), match.group(2), match.group(3), match.group(4)
    credential = parse_qs(query).get("X-Amz-Credential", [""])[0]
    parts = credential.split("/")
    if len(parts) == 5 and parts[4] == "aws4_request":
        return parts[0], parts[1], parts[2], parts[3]
    return None


def identify(headers: dict[str, str], path: str, query: str, body: bytes) -> Service:
    """Which service (and protocol) a request addresses, signed or not."""
    lower = {k.lower(): v for k, v in headers.items()}
    target = lower.get("x-amz-target", "")
    content_type = lower.get("content-type", "")
    scope = credential_scope(lower.get("authorization", ""), query)
    name = scope[3] if scope else ""
    cbor = _CBOR_PATH.match(path) if lower.get("smithy-protocol") == "rpc-v2-cbor" else None
    if not name and (target or cbor):
        prefix = cbor.group(1) if cbor else target.split(".", 1)[0]
        name = _TARGET_SERVICES.get(prefix, "")
    form = _form_fields(content_type, query, body)
    if not name and form.get("Version"):
        name = _QUERY_VERSIONS.get(form["Version"], "")
    if not name and _LAMBDA_PATH.match(path):
        name = "lambda"
    name = name or "s3"  # AWS's default endpoint answers as S3 does
    if name == "s3":
        return Service("s3", "s3")
    if cbor:
        return Service(name, "json", cbor=True)
    if target:
        version = "1.0" if "json-1.0" in content_type else "1.1"
        return Service(name, "json", json_version=version)
    if form.get("Action"):
        return Service(name, "query")
    if name == "lambda":
        return Service(name, "json", rest=True)
    return Service(name, "query")


def _form_fields(content_type: str, query: str, body: bytes) -> dict[str, str]:
    text = query
    if "x-www-form-urlencoded" in content_type and body:
        text = body.decode("utf-8", "replace") + "&" + query
    return {k: v[0] for k, v in parse_qs(text).items()}


def error_response(
    service: Service,
    failure: str,
    *,
    message: str | None = None,
    method: str = "GET",
    extra: dict[str, str] | None = None,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of one of :data:`FAILURES` in the service's own protocol.

    ``message`` replaces AWS's text where the lab has more to say (a cross-origin refusal);
    ``extra`` adds S3 elements such as ``AWSAccessKeyId``.
    """
    code, default_message, status = FAILURES[failure][service.protocol]
    text = message or default_message
    if service.protocol == "s3":
        return s3_error(code, text, status, extra=extra, method=method)
    request_id = str(uuid.uuid4())
    if service.protocol == "query":
        namespace = _QUERY_NAMESPACES.get(service.name, "")
        xmlns = f' xmlns="{namespace}"' if namespace else ""
        body = (
            f"<ErrorResponse{xmlns}><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{escape(text)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    elif service.cbor:
        body = cbor_map({"__type": code, "message": text})
        headers = [
            ("Content-Type", "application/cbor"),
            ("smithy-protocol", "rpc-v2-cbor"),
            ("x-amzn-RequestId", request_id),
        ]
    elif service.rest:
        body = json.dumps({"message": text}).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", request_id),
        ]
    else:
        body = json.dumps({"__type": code, "message": text}).encode()
        headers = [
            ("Content-Type", f"application/x-amz-json-{service.json_version}"),
            ("x-amzn-RequestId", request_id),
        ]
    if service.query_compatible:
        query_code = FAILURES[failure]["query"][0]
        headers.append(("x-amzn-query-error", f"{query_code};Sender"))
    if method == "HEAD":
        body = b""  # a HEAD answer has no body; S3 SDKs read the status alone
    headers.append(("Content-Length", str(len(body))))
    return status, headers, body


def s3_error(
    code: str,
    message: str,
    status: int,
    *,
    extra: dict[str, str] | None = None,
    method: str = "GET",
) -> tuple[int, list[tuple[str, str]], bytes]:
    """S3's XML error document (``extra`` adds elements such as ``ArgumentName1``)."""
    request_id = str(uuid.uuid4())
    elements = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in (extra or {}).items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>{elements}"
        f"<RequestId>{request_id}</RequestId><HostId>lambdalab</HostId></Error>"
    ).encode()
    if method == "HEAD":
        body = b""
    headers = [
        ("Content-Type", "application/xml"),
        ("x-amz-request-id", request_id),
        ("Content-Length", str(len(body))),
    ]
    return status, headers, body


def cbor_map(values: dict[str, str]) -> bytes:
    """A CBOR map of text to text (RFC 8949, major types 5 and 3): all an error body needs."""

    def head(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        for extra, size in ((24, 1), (25, 2), (26, 4)):
            if length < 1 << (8 * size):
                return bytes([major << 5 | extra]) + length.to_bytes(size, "big")
        raise ValueError("text too long for an error body")

    out = bytearray(head(5, len(values)))
    for key, value in values.items():
        for text in (key, value):
            data = text.encode()
            out += head(3, len(data)) + data
    return bytes(out)
