"""``aws_s3_bucket``: id = bucket name. ``force_destroy`` empties the bucket (all versions too);
without it a non-empty bucket fails to delete with ``BucketNotEmpty``, as on AWS."""

from __future__ import annotations

from botocore.exceptions import ClientError

from ._common import missing_ok, not_found, tag_list, tags, unique_id
from .base import ApplyContext, ResourceType, register

#: Route 53 hosted zone of the S3 website endpoint per region (the provider's table).
HOSTED_ZONE_IDS = {
    "us-east-1": "Z3AQBSTGFYJSTF",
    "us-east-2": "Z2O1EMRO9K5GLX",
    "us-west-1": "Z2F56UZL2M1ACD",
    "us-west-2": "Z3BJ6K6RIION7M",
    "ap-northeast-1": "Z2M4EHUR26P7ZW",
    "ap-northeast-2": "Z3W03O7B5YMIYP",
    "ap-northeast-3": "Z2YQB5RD63NC85",
    "ap-south-1": "Z11RGJOFQNVJUP",
    "ap-southeast-1": "Z3O0J2DXBE1FTB",
    "ap-southeast-2": "Z1WCIGYICN2BYD",
    "ca-central-1": "Z1QDHH18159H29",
    "eu-central-1": "Z21DNDUVLTQW6Q",
    "eu-west-1": "Z1BKCTXD74EZPE",
    "eu-west-2": "Z3GKZC51ZF0DB4",
    "eu-west-3": "Z3R1K369G5AVDG",
    "eu-north-1": "Z3BAZG2TWCNX0D",
    "sa-east-1": "Z7KQH4QJS55SO",
}


@register
class S3Bucket(ResourceType):
    type_name = "aws_s3_bucket"
    force_new = frozenset({"bucket", "bucket_prefix", "object_lock_enabled"})
    computed = frozenset(
        {
            "acceleration_status",
            "acl",
            "arn",
            "bucket",
            "bucket_domain_name",
            "bucket_prefix",
            "bucket_regional_domain_name",
            "cors_rule",
            "grant",
            "hosted_zone_id",
            "id",
            "lifecycle_rule",
            "logging",
            "object_lock_configuration",
            "policy",
            "region",
            "replication_configuration",
            "request_payer",
            "server_side_encryption_configuration",
            "tags",
            "tags_all",
            "timeouts",
            "versioning",
            "website",
            "website_domain",
            "website_endpoint",
        }
    )
    defaults = {"force_destroy": False, "object_lock_enabled": False}

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        s3 = ctx.client("s3")
        name = args.get("bucket") or unique_id(args.get("bucket_prefix") or "terraform-")
        kwargs: dict = {"Bucket": name}
        if ctx.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
        if args.get("object_lock_enabled"):
            kwargs["ObjectLockEnabledForBucket"] = True
        s3.create_bucket(**kwargs)
        t, _ = tags(args)
        if t:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(t)})
        return self.read(ctx, {**args, "id": name})

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        s3 = ctx.client("s3")
        name = attrs["id"]
        try:
            s3.head_bucket(Bucket=name)
        except ClientError as exc:
            if not_found(exc, "NoSuchBucket", "404"):
                return None
            raise
        region = s3.get_bucket_location(Bucket=name).get("LocationConstraint") or "us-east-1"
        acl = s3.get_bucket_acl(Bucket=name)
        versioning = s3.get_bucket_versioning(Bucket=name)
        try:
            tag_set = s3.get_bucket_tagging(Bucket=name)["TagSet"]
        except ClientError:
            tag_set = []
        t = attrs.get("tags")
        return {
            "acceleration_status": "",
            "acl": None,
            "arn": f"arn:aws:s3:::{name}",
            "bucket": name,
            "bucket_domain_name": f"{name}.s3.amazonaws.com",
            "bucket_prefix": attrs.get("bucket_prefix") or "",
            "bucket_regional_domain_name": f"{name}.s3.{region}.amazonaws.com",
            "cors_rule": [],
            "force_destroy": bool(attrs.get("force_destroy", False)),
            "grant": [
                {
                    "id": g["Grantee"].get("ID", ""),
                    "permissions": [g["Permission"]],
                    "type": g["Grantee"]["Type"],
                    "uri": g["Grantee"].get("URI", ""),
                }
                for g in acl.get("Grants", [])
            ],
            "hosted_zone_id": HOSTED_ZONE_IDS.get(region, ""),
            "id": name,
            "lifecycle_rule": [],
            "logging": [],
            "object_lock_configuration": [],
            "object_lock_enabled": bool(attrs.get("object_lock_enabled", False)),
            "policy": "",
            "region": region,
            "replication_configuration": [],
            "request_payer": "",
            "server_side_encryption_configuration": [],
            "tags": t if t else None,
            "tags_all": {x["Key"]: x["Value"] for x in tag_set},
            "timeouts": None,
            "versioning": [
                {
                    "enabled": versioning.get("Status") == "Enabled",
                    "mfa_delete": versioning.get("MFADelete") == "Enabled",
                }
            ],
            "website": [],
            "website_domain": None,
            "website_endpoint": None,
        }

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        s3 = ctx.client("s3")
        name = old["id"]
        t = tags(args)[1]
        if t != (old.get("tags_all") or {}):
            if t:
                s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(t)})
            else:
                s3.delete_bucket_tagging(Bucket=name)
        return self.read(ctx, {**args, "id": name})

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        s3 = ctx.client("s3")
        name = attrs["id"]
        if attrs.get("force_destroy"):
            empty(s3, name)
        with missing_ok("NoSuchBucket"):
            s3.delete_bucket(Bucket=name)


def empty(s3, bucket: str) -> None:
    """Delete every object version and delete marker (plain objects are version ``null``)."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        doomed = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        for i in range(0, len(doomed), 1000):
            batch = {"Objects": doomed[i : i + 1000], "Quiet": True}
            s3.delete_objects(Bucket=bucket, Delete=batch)
