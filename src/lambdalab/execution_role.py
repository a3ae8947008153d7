"""What Lambda checks about a function's execution role when it is configured.

CreateFunction needs a role Lambda may assume; a dead-letter queue or a destination needs a
role that may send there. Raises :class:`~lambdalab.awserror.AwsError` in AWS's words.
"""

from __future__ import annotations

from typing import Any

from lambdalab import iam
from lambdalab.awserror import AwsError
from lambdalab.invoke.settings import arn_service

# What the execution role must be allowed to do for each kind of target
# [AWS_BEHAVIOUR: destination-permissions].
TARGET_PERMISSIONS = {
    "sqs": ("sqs:SendMessage", "SendMessage on SQS"),
    "sns": ("sns:Publish", "Publish on SNS"),
    "lambda": ("lambda:InvokeFunction", "InvokeFunction on Lambda"),
    "events": ("events:PutEvents", "PutEvents on EventBridge"),
    "s3": ("s3:PutObject", "PutObject on S3"),
}


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterValueException", message)


def check_assumable(account_id: str, role_arn: str) -> None:
    role = iam.get_role(account_id, role_arn)
    if role is None or not iam.role_trusts_lambda(role.assume_role_policy_document):
        raise _invalid("The role defined for the function cannot be assumed by Lambda.")


def check_may_send(account_id: str, role_arn: str, target: str) -> None:
    """Lambda checks the execution role when a DLQ or destination is configured.

    The DLQ wording is recorded; for destinations the exact text is UNKNOWN, so the same
    sentence is used with the target's own action [AWS_BEHAVIOUR: target-permission-check].
    """
    service = arn_service(target)
    action, verb = TARGET_PERMISSIONS.get(service, ("", ""))
    resource = target if service != "s3" else f"{target}/*"
    if action and not iam.role_allows(account_id, role_arn, action, resource):
        raise _invalid(f"The provided execution role does not have permissions to call {verb}")


def check_dead_letter(account_id: str, role_arn: str, dlc: dict[str, Any] | None) -> None:
    target = (dlc or {}).get("TargetArn")
    if not target:
        return
    if target.split(":")[2:3] not in (["sqs"], ["sns"]):
        raise _invalid(
            f"1 validation error detected: Value '{target}' at 'deadLetterConfig.targetArn' "
            "failed to satisfy constraint: the dead-letter queue must be an SQS queue or "
            "SNS topic ARN"
        )
    check_may_send(account_id, role_arn, target)
