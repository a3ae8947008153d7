"""Identities in the lab: an administrator for the learner, role credentials for functions.

moto enforces IAM on every request the lab serves (``lambdalab.moto.auth``):
it must be signed by a known access key and be allowed by that principal's policies. The
learner gets an IAM user with ``AdministratorAccess`` (their own calls are always allowed, as
for an account owner); each function gets STS credentials of its execution role, so a handler
missing ``s3:DeleteObject`` receives ``AccessDenied`` exactly as on AWS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

ADMIN_USER = "lambdalab-learner"
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
LAMBDA_PRINCIPAL = "lambda.amazonaws.com"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def as_env(self) -> dict[str, str]:
        env = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


def new_admin_key_id(account_id: str) -> str:
    """An access key id from which moto can derive the account (as real keys encode it)."""
    from moto.iam.utils import generate_access_key_id_from_account_id

    return generate_access_key_id_from_account_id(account_id, prefix="AKIA", total_length=20)


def install_admin(account_id: str, region: str, creds: Credentials) -> None:
    """Create the learner's admin user with exactly ``creds`` (stable across ``lab.reset()``)."""
    from moto.iam.models import iam_backends

    backend = iam_backends[account_id]["aws"]
    if ADMIN_POLICY_ARN not in backend.managed_policies:
        # The backend was created (e.g. by other moto use in this process) before the lab
        # asked for AWS managed policies: load them now.
        backend.aws_managed_policies = backend._init_aws_policies()
        backend.managed_policies.update(backend._init_managed_policies())
    if ADMIN_USER not in backend.users:
        backend.create_user(region, ADMIN_USER)
        backend.attach_user_policy(ADMIN_POLICY_ARN, ADMIN_USER)
    user = backend.users[ADMIN_USER]
    if any(k.access_key_id == creds.access_key_id for k in user.access_keys):
        return
    for old in list(user.access_keys):  # an earlier lab in this process (IAM allows two keys)
        backend.delete_access_key(old.access_key_id, ADMIN_USER)
    key = backend.create_access_key(ADMIN_USER)
    backend.access_keys.pop(key.physical_resource_id, None)
    key.access_key_id = creds.access_key_id
    key.secret_access_key = creds.secret_access_key
    backend.access_keys[key.physical_resource_id] = key


def role_trusts_lambda(assume_role_policy: str | dict) -> bool:
    """Does the trust policy let ``lambda.amazonaws.com`` call ``sts:AssumeRole``?"""
    doc = (
        json.loads(assume_role_policy)
        if isinstance(assume_role_policy, str)
        else assume_role_policy
    )
    statements = doc.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for st in statements:
        if st.get("Effect") != "Allow":
            continue
        actions = st.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            continue
        principal = st.get("Principal", {})
        if principal == "*":
            return True
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = [services] if isinstance(services, str) else services
        if LAMBDA_PRINCIPAL in services:
            return True
    return False


def assume_role(account_id: str, region: str, role_arn: str, session_name: str) -> Credentials:
    """STS credentials for ``role_arn``, issued inside moto (as Lambda assumes the role)."""
    from moto.sts.models import sts_backends

    backend = sts_backends[account_id]["aws"]
    role = backend.assume_role(
        region_name=region,
        role_session_name=session_name[:64],
        role_arn=role_arn,
        policy=None,
        duration=43200,
        external_id=None,
    )
    return Credentials(role.access_key_id, role.secret_access_key, role.session_token)


def role_allows(account_id: str, role_arn: str, action: str, resource: str) -> bool:
    """Would the role's identity policies allow ``action`` on ``resource``? (moto's evaluator)

    Used where Lambda itself checks the execution role at configuration time (a DLQ the role
    cannot write to is refused, [AWS_BEHAVIOUR: target-permission-check]).
    """
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.iam.models import iam_backends

    backend = iam_backends[account_id]["aws"]
    role_name = role_arn.split("/")[-1]
    try:
        policies: list = [
            backend.get_role_policy(role_name, n)[1] for n in backend.list_role_policies(role_name)
        ]
        attached, _ = backend.list_attached_role_policies(role_name)
    except Exception:  # the role does not exist: nothing is allowed
        return False
    policies += list(attached)
    permitted = False
    for policy in policies:
        result = IAMPolicy(policy).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return False
        if result == PermissionResult.PERMITTED:
            permitted = True
    return permitted


def get_role(account_id: str, role_arn: str):  # noqa: ANN201 - moto's Role
    """moto's role object for ``role_arn``, or None."""
    from moto.iam.models import iam_backends

    try:
        return iam_backends[account_id]["aws"].get_role_by_arn(role_arn)
    except Exception:
        return None


def policy_fingerprint(account_id: str, role_arn: str) -> tuple:
    """What the role's permissions depend on, cheaply: changes whenever a policy does."""
    role = get_role(account_id, role_arn)
    if role is None:
        return ()
    inline = tuple(sorted(role.policies.items()))
    attached = tuple(
        sorted(
            (arn, getattr(p, "default_version_id", "")) for arn, p in role.managed_policies.items()
        )
    )
    return (inline, attached)


@dataclass(frozen=True)
class IssuedKey:
    """An access key the lab issued: an IAM user's key or an STS session of a role."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None  # set for STS sessions: requests must carry it
    active: bool = True


def find_key(access_key_id: str) -> IssuedKey | None:
    """The secret behind ``access_key_id`` if the lab issued it (any account), else None.

    The lab's front door verifies every signature with it (``lambdalab.gate``); a key no user
    or session holds is a foreign key, whatever it looks like.
    """
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for account in list(iam_backends.values()):
        for backend in list(account.values()):
            for user in list(backend.users.values()):
                for key in list(user.access_keys):
                    if key.access_key_id == access_key_id:
                        return IssuedKey(
                            access_key_id, key.secret_access_key, None, key.status == "Active"
                        )
    for account in list(sts_backends.values()):
        for backend in list(account.values()):
            for session in list(backend.assumed_roles):
                if session.access_key_id == access_key_id:
                    return IssuedKey(
                        access_key_id, session.secret_access_key, session.session_token
                    )
    return None


def _is_public(principal: object) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        value = principal.get("AWS")
        values = [value] if isinstance(value, str) else (value or [])
        return "*" in values
    return False


def public_allows(policy_document: str | bytes | None, action: str, resource: str) -> bool:
    """Does a bucket policy grant ``action`` on ``resource`` to anyone (``"Principal": "*"``)?

    AWS allows an anonymous S3 request only through such a statement, and an explicit public
    Deny wins (https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html).
    Statements naming other principals do not apply to an anonymous caller.
    """
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if not policy_document:
        return False
    try:
        doc = json.loads(policy_document)
    except ValueError:
        return False
    statements = doc.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    public = [
        {k: v for k, v in st.items() if k != "Principal"}
        for st in statements
        if isinstance(st, dict) and _is_public(st.get("Principal"))
    ]
    if not public:
        return False
    result = IAMPolicy(
        json.dumps({"Version": "2012-10-17", "Statement": public})
    ).is_action_permitted(action, resource)
    return result == PermissionResult.PERMITTED
