"""``aws_s3_object``: id = key; ``source`` (a file) or ``content`` / ``content_base64``."""

from __future__ import annotations

import base64

from botocore.exceptions import ClientError

from ._common import missing_ok, not_found, resolve, tags
from .base import ApplyContext, ResourceType, register

_ARGS = {
    "cache_control": "CacheControl",
    "content_disposition": "ContentDisposition",
    "content_encoding": "ContentEncoding",
    "content_language": "ContentLanguage",
    "content_type": "ContentType",
    "storage_class": "StorageClass",
    "website_redirect": "WebsiteRedirectLocation",
}


@register
class S3Object(ResourceType):
    type_name = "aws_s3_object"
    force_new = frozenset({"bucket", "key"})
    computed = frozenset(
        {
            "acl",
            "arn",
            "bucket",
            "bucket_key_enabled",
            "cache_control",
            "checksum_algorithm",
            "checksum_crc32",
            "checksum_crc32c",
            "checksum_crc64nvme",
            "checksum_sha1",
            "checksum_sha256",
            "content",
            "content_base64",
            "content_disposition",
            "content_encoding",
            "content_language",
            "content_type",
            "etag",
            "force_destroy",
            "id",
            "key",
            "kms_key_id",
            "metadata",
            "object_lock_legal_hold_status",
            "object_lock_mode",
            "object_lock_retain_until_date",
            "override_provider",
            "server_side_encryption",
            "source",
            "source_hash",
            "storage_class",
            "tags",
            "tags_all",
            "version_id",
            "website_redirect",
        }
    )

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        return self._put(ctx, args)

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        return self._put(ctx, args)

    def _put(self, ctx: ApplyContext, args: dict) -> dict:
        if args.get("source"):
            body = resolve(ctx.module_dir, args["source"]).read_bytes()
        elif args.get("content_base64"):
            body = base64.b64decode(args["content_base64"])
        else:
            body = (args.get("content") or "").encode()
        kwargs = {"Bucket": args["bucket"], "Key": args["key"], "Body": body}
        kwargs.update({api: args[a] for a, api in _ARGS.items() if args.get(a)})
        if args.get("metadata"):
            kwargs["Metadata"] = dict(args["metadata"])
        t, _ = tags(args)
        if t:
            kwargs["Tagging"] = "&".join(f"{k}={v}" for k, v in t.items())
        ctx.client("s3").put_object(**kwargs)
        return self.read(ctx, {**args, "id": args["key"]})

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        try:
            head = ctx.client("s3").head_object(Bucket=attrs["bucket"], Key=attrs["key"])
        except ClientError as exc:
            if not_found(exc, "NoSuchKey", "404", "NoSuchBucket"):
                return None
            raise
        t = attrs.get("tags")
        return {
            "acl": None,
            "arn": f"arn:aws:s3:::{attrs['bucket']}/{attrs['key']}",
            "bucket": attrs["bucket"],
            "bucket_key_enabled": bool(head.get("BucketKeyEnabled", False)),
            "cache_control": head.get("CacheControl", ""),
            "checksum_algorithm": None,
            "checksum_crc32": head.get("ChecksumCRC32", ""),
            "checksum_crc32c": head.get("ChecksumCRC32C", ""),
            "checksum_crc64nvme": head.get("ChecksumCRC64NVME", ""),
            "checksum_sha1": head.get("ChecksumSHA1", ""),
            "checksum_sha256": head.get("ChecksumSHA256", ""),
            "content": attrs.get("content"),
            "content_base64": attrs.get("content_base64"),
            "content_disposition": head.get("ContentDisposition", ""),
            "content_encoding": head.get("ContentEncoding", ""),
            "content_language": head.get("ContentLanguage", ""),
            "content_type": head.get("ContentType", ""),
            "etag": head.get("ETag", "").strip('"'),
            "force_destroy": bool(attrs.get("force_destroy", False)),
            "id": attrs["key"],
            "key": attrs["key"],
            "kms_key_id": None,
            "metadata": attrs.get("metadata"),
            "object_lock_legal_hold_status": head.get("ObjectLockLegalHoldStatus", ""),
            "object_lock_mode": head.get("ObjectLockMode", ""),
            "object_lock_retain_until_date": str(head.get("ObjectLockRetainUntilDate") or ""),
            "override_provider": [],
            "server_side_encryption": head.get("ServerSideEncryption", ""),
            "source": attrs.get("source"),
            "source_hash": attrs.get("source_hash"),
            "storage_class": head.get("StorageClass", "STANDARD"),
            "tags": t if t else None,
            "tags_all": dict(t or {}),
            "version_id": head.get("VersionId", ""),
            "website_redirect": head.get("WebsiteRedirectLocation", ""),
        }

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        s3 = ctx.client("s3")
        with missing_ok("NoSuchKey", "NoSuchBucket"):
            if attrs.get("version_id"):
                s3.delete_object(
                    Bucket=attrs["bucket"], Key=attrs["key"], VersionId=attrs["version_id"]
                )
            else:
                s3.delete_object(Bucket=attrs["bucket"], Key=attrs["key"])
