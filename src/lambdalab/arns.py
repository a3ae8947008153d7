"""Function names as Lambda accepts them: ``name``, ``name:qualifier``, a partial or full ARN."""

from __future__ import annotations


def split_function_name(function_name: str) -> tuple[str, str | None]:
    """``name``, ``name:qualifier``, ``123456789012:function:name[:q]`` or a full ARN →
    (name, qualifier or None)."""
    parts = function_name.split(":")
    if function_name.startswith("arn:"):
        return parts[6] if len(parts) > 6 else "", parts[7] if len(parts) > 7 else None
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2], parts[3] if len(parts) > 3 else None
    return parts[0], parts[1] if len(parts) > 1 else None


def split_name(function_name: str) -> tuple[str, str]:
    """Like :func:`split_function_name`, with ``$LATEST`` where no qualifier is named."""
    name, qualifier = split_function_name(function_name)
    return name, qualifier or "$LATEST"


def check_reachable(function_name: str, region: str) -> None:
    """A full ARN of a function in another region is not reachable from this one: 404, as
    AWS answers every function operation (recorded: LocalStack's test_lambda_api.snapshot.json,
    ``test_get_function_wrong_region``) [AWS_BEHAVIOUR: function-other-region]."""
    from lambdalab.awserror import AwsError

    parts = function_name.split(":")
    if function_name.startswith("arn:") and len(parts) > 3 and parts[3] and parts[3] != region:
        raise AwsError(
            "ResourceNotFoundException",
            f"Functions from '{parts[3]}' are not reachable in this region ('{region}')",
            404,
        )
