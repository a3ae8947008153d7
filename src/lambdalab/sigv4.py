"""AWS request signatures, checked on the server side as AWS does (pure).

Every request the lab serves is authenticated before moto sees it (:mod:`lambdalab.gate`): the
``Authorization`` header or a presigned URL's query names an access key, and the signature must
be the one that key's secret produces for exactly this request. Signature Version 4 follows
https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html and
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html. S3 presigned URLs
made by boto3 and the AWS CLI against a custom endpoint use the older query-string form
(``AWSAccessKeyId``/``Signature``/``Expires``,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html), checked with
botocore's own HMAC-SHA1 signer so client and server cannot disagree on it.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


class MalformedSignature(ValueError):
    """The request says it is signed, but not in a form SigV4 defines."""


@dataclass(frozen=True)
class Signature:
    """What a signed request claims: who signed it, when, for which region and service."""

    access_key_id: str
    date: str  # YYYYMMDD of the credential scope
    region: str
    service: str
    amz_date: str  # YYYYMMDDTHHMMSSZ
    signed_headers: tuple[str, ...]
    signature: str
    session_token: str | None
    presigned: bool
    expires: int | None = None  # SigV4: seconds after amz_date; version 2: an epoch second
    version: int = 4

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def parse(headers: dict[str, str], query: str) -> Signature | None:
    """The request's SigV4 claim, or None for an anonymous request."""
    lower = {k.lower(): v for k, v in headers.items()}
    authorization = lower.get("authorization", "")
    params = dict(parse_qsl(query, keep_blank_values=True))
    if authorization:
        return _from_header(authorization, lower)
    if "X-Amz-Signature" in params or "X-Amz-Credential" in params:
        return _from_query(params)
    if "Signature" in params and "AWSAccessKeyId" in params:
        return _from_v2_query(params)
    return None


def _from_v2_query(params: dict[str, str]) -> Signature:
    try:
        expires = int(params["Expires"])
    except (KeyError, ValueError):
        raise MalformedSignature("the presigned URL lacks a valid Expires") from None
    return Signature(
        params["AWSAccessKeyId"],
        "",
        "",
        "s3",
        "",
        (),
        params["Signature"],
        params.get("x-amz-security-token"),
        presigned=True,
        expires=expires,
        version=2,
    )


def _from_header(authorization: str, lower: dict[str, str]) -> Signature:
    algorithm, _, rest = authorization.partition(" ")
    if algorithm != ALGORITHM:
        raise MalformedSignature(f"unsupported authorization scheme {algorithm!r}")
    fields = {}
    for part in rest.split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value
    try:
        key_id, date, region, service, terminal = fields["Credential"].split("/")
        signed = tuple(fields["SignedHeaders"].split(";"))
        signature = fields["Signature"]
    except (KeyError, ValueError):
        raise MalformedSignature("Credential, SignedHeaders and Signature are required") from None
    amz_date = lower.get("x-amz-date", "")
    if terminal != "aws4_request" or not amz_date:
        raise MalformedSignature("the credential scope or X-Amz-Date is missing")
    return Signature(
        key_id,
        date,
        region,
        service,
        amz_date,
        signed,
        signature,
        lower.get("x-amz-security-token"),
        presigned=False,
    )


def _from_query(params: dict[str, str]) -> Signature:
    try:
        key_id, date, region, service, terminal = params["X-Amz-Credential"].split("/")
        signature = Signature(
            key_id,
            date,
            region,
            service,
            params["X-Amz-Date"],
            tuple(params["X-Amz-SignedHeaders"].split(";")),
            params["X-Amz-Signature"],
            params.get("X-Amz-Security-Token"),
            presigned=True,
            expires=int(params.get("X-Amz-Expires", "604800")),
        )
    except (KeyError, ValueError):
        raise MalformedSignature("the presigned URL lacks a SigV4 parameter") from None
    if terminal != "aws4_request" or params.get("X-Amz-Algorithm") != ALGORITHM:
        raise MalformedSignature("the presigned URL is not AWS4-HMAC-SHA256")
    return signature


def expired(signature: Signature, now: float | None = None) -> bool:
    """Has a presigned URL outlived its ``X-Amz-Expires`` (wall clock, as the signer used)?"""
    if not signature.presigned or signature.expires is None:
        return False
    now = time.time() if now is None else now
    if signature.version == 2:
        return now > signature.expires
    signed_at = calendar.timegm(time.strptime(signature.amz_date, "%Y%m%dT%H%M%SZ"))
    return now > signed_at + signature.expires


def matches(signature: Signature, secret_access_key: str, **request: Any) -> bool:
    """Does ``signature`` come from ``secret_access_key`` over exactly this request?
    (``request``: the keyword arguments of :func:`compute`.)"""
    expected = compute(signature, secret_access_key, **request)
    return hmac.compare_digest(expected, signature.signature)


def compute(
    signature: Signature,
    secret_access_key: str,
    *,
    method: str,
    raw_path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
) -> str:
    """The signature the request should carry (hex; base64 for version 2)."""
    if signature.version == 2:
        return _v2_signature(signature, secret_access_key, method, raw_path, query, headers)
    canonical = canonical_request(
        signature, method=method, raw_path=raw_path, query=query, headers=headers, body=body
    )
    string_to_sign = "\n".join(
        [
            ALGORITHM,
            signature.amz_date,
            signature.scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    key = ("AWS4" + secret_access_key).encode()
    for part in (signature.date, signature.region, signature.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def canonical_request(
    signature: Signature,
    *,
    method: str,
    raw_path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
) -> str:
    lower = {name.lower(): value for name, value in headers.items()}
    canonical_headers = "".join(
        f"{name}:{' '.join(lower.get(name, '').split())}\n" for name in signature.signed_headers
    )
    pairs = [(k, v) for k, _, v in (pair.partition("=") for pair in query.split("&") if pair)]
    if signature.presigned:
        pairs = [(k, v) for k, v in pairs if k != "X-Amz-Signature"]
    canonical_query = "&".join(f"{k}={v}" for k, v in sorted(pairs))
    if "x-amz-content-sha256" in lower:
        payload = lower["x-amz-content-sha256"]
    elif signature.presigned and signature.service == "s3":
        payload = UNSIGNED_PAYLOAD
    else:
        payload = hashlib.sha256(body).hexdigest()
    return "\n".join(
        [
            method.upper(),
            canonical_uri(raw_path, signature.service),
            canonical_query,
            canonical_headers,
            ";".join(signature.signed_headers),
            payload,
        ]
    )


def canonical_uri(raw_path: str, service: str) -> str:
    """S3 signs the path as sent; every other service signs it normalised and encoded again."""
    if service == "s3":
        return raw_path or "/"
    from botocore.utils import normalize_url_path

    return quote(normalize_url_path(raw_path or "/"), safe="/~")


def _v2_signature(
    signature: Signature,
    secret_access_key: str,
    method: str,
    raw_path: str,
    query: str,
    headers: dict[str, str],
) -> str:
    from urllib.parse import urlsplit

    from botocore.auth import HmacV1Auth
    from botocore.awsrequest import HTTPHeaders
    from botocore.credentials import Credentials

    lower = {k.lower(): v for k, v in headers.items()}
    amz = HTTPHeaders()
    for name, value in lower.items():
        if name.startswith("x-amz-"):
            amz[name] = value
    auth = HmacV1Auth(Credentials(signature.access_key_id, secret_access_key))
    custom = auth.canonical_custom_headers(amz)
    string_to_sign = "\n".join(
        [
            method.upper(),
            lower.get("content-md5", "").strip(),
            lower.get("content-type", "").strip(),
            str(signature.expires),
            *([custom] if custom else []),
            auth.canonical_resource(urlsplit(f"http://lab{raw_path}?{query}")),
        ]
    )
    return auth.sign_string(string_to_sign)
