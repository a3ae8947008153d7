"""Small aws data sources: ``aws_caller_identity`` and ``aws_region``."""

from __future__ import annotations

from .base import ApplyContext, DataSource, register

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-northeast-3": "Asia Pacific (Osaka)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ca-central-1": "Canada (Central)",
    "eu-central-1": "Europe (Frankfurt)",
    "eu-west-1": "Europe (Ireland)",
    "eu-west-2": "Europe (London)",
    "eu-west-3": "Europe (Paris)",
    "eu-north-1": "Europe (Stockholm)",
    "sa-east-1": "South America (Sao Paulo)",
}


@register
class CallerIdentity(DataSource):
    """Asks STS, as the provider does, so ARNs show the lab's account."""

    type_name = "aws_caller_identity"

    def read(self, ctx: ApplyContext, args: dict) -> dict:
        me = ctx.client("sts").get_caller_identity()
        return {
            "account_id": me["Account"],
            "arn": me["Arn"],
            "id": me["Account"],
            "user_id": me["UserId"],
        }


@register
class Region(DataSource):
    type_name = "aws_region"

    def read(self, ctx: ApplyContext, args: dict) -> dict:
        name = args.get("name") or args.get("region") or ctx.region
        return {
            "description": REGION_NAMES.get(name, ""),
            "endpoint": f"ec2.{name}.amazonaws.com",
            "id": name,
            "name": name,
        }
