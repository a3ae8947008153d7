"""IAM handlers against the cloud: ids, normalised documents, update and delete."""

from __future__ import annotations

import json
import re

from tfres_helpers import TRUST, handler

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


def test_role_create_read_update_delete(ctx):
    role = handler("aws_iam_role")
    attrs = role.create(ctx, {"name": "r1", "assume_role_policy": TRUST, "description": "x"})
    assert attrs["id"] == "r1"
    assert attrs["arn"] == "arn:aws:iam::123456789012:role/r1"
    assert attrs["unique_id"].startswith("AROA")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", attrs["create_date"])
    # Normalised like the provider: compact, keys sorted.
    assert attrs["assume_role_policy"].startswith('{"Statement":[{"Action":"sts:AssumeRole"')
    assert attrs["max_session_duration"] == 3600 and attrs["path"] == "/"
    assert role.read(ctx, attrs) == attrs

    updated = role.update(
        ctx, attrs, {"name": "r1", "assume_role_policy": TRUST, "description": "y"}
    )
    assert updated["description"] == "y"
    assert ctx.client("iam").get_role(RoleName="r1")["Role"]["Description"] == "y"

    role.delete(ctx, updated)
    assert role.read(ctx, updated) is None


def test_policy_new_version_on_change(ctx):
    pol = handler("aws_iam_policy")
    attrs = pol.create(ctx, {"name": "p1", "policy": POLICY})
    assert attrs["id"] == attrs["arn"] == "arn:aws:iam::123456789012:policy/p1"
    assert attrs["policy_id"] and attrs["attachment_count"] == 0
    changed = POLICY.replace("s3:GetObject", "s3:PutObject")
    new = pol.update(ctx, attrs, {"name": "p1", "policy": changed})
    assert json.loads(new["policy"])["Statement"][0]["Action"] == "s3:PutObject"
    versions = ctx.client("iam").list_policy_versions(PolicyArn=attrs["arn"])["Versions"]
    assert len(versions) == 2
    pol.delete(ctx, new)  # non-default versions go first, else DeleteConflict
    assert pol.read(ctx, new) is None


def test_role_policy_and_attachment(ctx):
    handler("aws_iam_role").create(ctx, {"name": "r2", "assume_role_policy": TRUST})
    inline = handler("aws_iam_role_policy").create(
        ctx, {"name": "i", "role": "r2", "policy": POLICY}
    )
    assert inline["id"] == "r2:i"
    assert json.loads(inline["policy"]) == json.loads(POLICY)
    assert inline["policy"].startswith('{"Version":"2012-10-17"')

    pol = handler("aws_iam_policy").create(ctx, {"name": "p2", "policy": POLICY})
    att = handler("aws_iam_role_policy_attachment")
    a = att.create(ctx, {"role": "r2", "policy_arn": pol["arn"]})
    assert re.fullmatch(r"r2-\d{18}[0-9a-f]{8}", a["id"])
    assert att.read(ctx, a) == a
    att.delete(ctx, a)
    assert att.read(ctx, a) is None
    handler("aws_iam_role_policy").delete(ctx, inline)
    assert handler("aws_iam_role_policy").read(ctx, inline) is None


def test_managed_policy_attachment_to_aws_policy(ctx):
    handler("aws_iam_role").create(ctx, {"name": "r3", "assume_role_policy": TRUST})
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    a = handler("aws_iam_role_policy_attachment").create(ctx, {"role": "r3", "policy_arn": arn})
    attached = ctx.client("iam").list_attached_role_policies(RoleName="r3")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [arn]
    assert a["id"].startswith("r3-")


def test_role_force_detach_policies(ctx):
    role = handler("aws_iam_role")
    attrs = role.create(
        ctx, {"name": "r4", "assume_role_policy": TRUST, "force_detach_policies": True}
    )
    pol = handler("aws_iam_policy").create(ctx, {"name": "p4", "policy": POLICY})
    ctx.client("iam").attach_role_policy(RoleName="r4", PolicyArn=pol["arn"])
    ctx.client("iam").put_role_policy(RoleName="r4", PolicyName="x", PolicyDocument=POLICY)
    role.delete(ctx, attrs)
    assert role.read(ctx, attrs) is None


def test_role_and_policy_tags_follow_the_configuration(ctx):
    iam = ctx.client("iam")
    role, pol = handler("aws_iam_role"), handler("aws_iam_policy")
    r = role.create(ctx, {"name": "rt", "assume_role_policy": TRUST, "tags": {"a": "1", "b": "2"}})
    p = pol.create(ctx, {"name": "pt", "policy": POLICY, "tags": {"a": "1", "b": "2"}})
    r = role.update(ctx, r, {"name": "rt", "assume_role_policy": TRUST, "tags": {"a": "9"}})
    p = pol.update(ctx, p, {"name": "pt", "policy": POLICY, "tags": {"a": "9", "c": "3"}})
    assert iam.list_role_tags(RoleName="rt")["Tags"] == [{"Key": "a", "Value": "9"}]
    policy_tags = iam.list_policy_tags(PolicyArn=p["arn"])["Tags"]
    assert {t["Key"]: t["Value"] for t in policy_tags} == {"a": "9", "c": "3"}
    assert r["tags_all"] == {"a": "9"} and p["tags_all"] == {"a": "9", "c": "3"}
    role.delete(ctx, r)
    pol.delete(ctx, p)
