"""IAM on the lab's requests: moto's authorisation, scoped to the lab and to real resources.

The lab's gate (:mod:`lambdalab.gate`) has already authenticated each request (signature, key,
session token); moto's IAM evaluator decides what the signer may do.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlparse

from lambdalab.moto import adapter


def hooks() -> list[tuple[Any, str]]:
    from moto import backends
    from moto.awslambda import responses as lr
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.events import responses as evr
    from moto.iam import access_control
    from moto.iam import models as iamm
    from moto.sns import responses as snsr

    return [
        (ActionAuthenticatorMixin, "_authenticate_and_authorize_action"),
        (ActionAuthenticatorMixin, "PUBLIC_OPERATIONS"),
        (access_control.IAMRequestBase, "check_action_permitted"),
        (iamm, "get_account_id_from"),
        (backends, "list_of_moto_modules"),
        # _determine_resource is added, not replaced: moto's IAM check calls it where it exists
        (snsr.SNSResponse, "_get_param"),
        (lr.LambdaResponse, "backend"),
        (evr.EventsHandler, "_get_param"),
    ]


def install() -> None:
    from moto import backends
    from moto.awslambda import responses as lr
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.events import responses as evr
    from moto.iam import models as iamm
    from moto.sns import responses as snsr

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authorize_lab_requests(
        ActionAuthenticatorMixin._authenticate_and_authorize_action
    )
    # moto checks SNS, Lambda and EventBridge calls against resource "*", so a role allowed to
    # publish to one topic (invoke one function, put events on one bus) is refused —
    # destinations and DLQs need the real ARN.
    snsr.SNSResponse._determine_resource = sns_resource
    lr.LambdaResponse._determine_resource = lambda_resource
    evr.EventsHandler._determine_resource = events_resource
    iamm.get_account_id_from = account_id_from
    # moto lists its package folders on disk for every request it routes; they never change.
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def account_id_from(access_key: str) -> str:
    """moto's lookup of the account behind an access key, without side effects.

    moto indexes ``account[partition]`` for all nine partitions, which *creates* an IAM backend
    (and loads ~1,300 AWS managed policies) for each on the first unknown key after every
    reset — about a second of CPU per ``lab.reset()``. Only backends that exist can know a key.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends

    for account_id, account in list(iam_backends.items()):
        for backend in list(account.values()):
            if access_key in backend.access_keys:
                return account_id
    return DEFAULT_ACCOUNT_ID


def authorize_lab_requests(original: Any) -> Any:
    """Enforce IAM on requests served by the lab, and leave any other moto use alone.

    moto switches enforcement on for the whole process (``INITIAL_NO_AUTH_ACTION_COUNT``), which
    would break a learner's own ``mock_aws`` tests in the same kernel. Only authorisation is
    left to do: the signer's policies, or, for an anonymous S3 request, a bucket policy that
    makes the resource public.
    """
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.exceptions import AccessDeniedError

    from lambdalab.server import current_admission

    @functools.wraps(original)
    def authenticate(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        admission = current_admission()
        if admission is None:
            return original(self, iam_request_cls, resource)
        if self.headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
            return None
        if admission.access_key_id is None:
            return authorize_anonymous(self, resource, admission.service)
        headers = dict(self.headers)
        if admission.presigned:  # moto reads the signer from the header a presigned URL lacks
            headers["Authorization"] = f"AWS4-HMAC-SHA256 Credential={admission.credential}"
            if admission.session_token:
                headers["X-Amz-Security-Token"] = admission.session_token
        path = self.raw_path
        query = urlparse(self.uri).query
        if query:
            path += "?" + query
        iam_request = iam_request_cls(
            account_id=self.current_account,
            method=self.method,
            path=path,
            data=self.data,
            body=self.raw_body,
            headers=headers,
            action=self._get_action(),
        )
        # moto names the action after the signing name and the API operation; IAM's name
        # can differ in both (monitoring:ListMetrics is cloudwatch:ListMetrics).
        iam_request._action = iam_action(iam_request._action)
        try:
            iam_request.check_action_permitted(resource)
        except AccessDeniedError as denied:
            if admission.service.protocol in ("s3", "query"):
                raise  # moto's XML: right for S3 and the query services
            # moto answers XML whatever the protocol; a JSON service answers in its own format.
            action = denied.message.rsplit(": ", 1)[-1]
            deny_in_json(
                admission.service,
                f"{denied.message} on resource: {resource} because no identity-based policy "
                f"allows the {action} action",
                self,
            )
        except (TypeError, KeyError, AttributeError):
            # moto's evaluator trips over some policies (a trust policy naming only a service
            # principal, when a user assumes the role); AWS's answer there is AccessDenied.
            adapter.refuse(admission.service, "access_denied", self.method)
        return None

    return authenticate


# Where IAM's action differs from "<signing name>:<API operation>", which moto checks: a
# policy allowing lambda:InvokeFunction or cloudwatch:PutMetricData was refused. Sources:
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html,
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
IAM_PREFIXES = {"monitoring": "cloudwatch"}
IAM_ACTIONS = {
    "lambda:Invoke": "lambda:InvokeFunction",
    "lambda:InvokeWithResponseStream": "lambda:InvokeFunction",
}


def iam_action(moto_action: str) -> str:
    """IAM's ``prefix:Action`` for moto's ``<signing name>:<operation>``."""
    prefix, _, operation = moto_action.partition(":")
    action = f"{IAM_PREFIXES.get(prefix, prefix)}:{operation}"
    return IAM_ACTIONS.get(action, action)


def deny_in_json(service: Any, message: str, response: Any) -> None:
    """``AccessDeniedException`` (403) in the JSON service's own format (REST JSON, CBOR and
    query-compatible JSON with their headers), with IAM's words."""
    from lambdalab import wire

    adapter.raise_response(
        *wire.error_response(service, "access_denied", message=message, method=response.method)
    )


def authorize_anonymous(response: Any, resource: str, service: Any) -> None:
    """An unsigned S3 request succeeds only where the bucket policy makes it public.

    The refusal is raised past moto's S3 error serialiser, which would send an empty body for
    object operations (GetObject's output shape is a blob).
    """
    from moto.s3.models import s3_backends

    from lambdalab import iam

    bucket_name = resource.split(":::", 1)[-1].split("/", 1)[0]
    action = f"s3:{response._get_action()}"
    bucket = s3_backends[response.current_account]["aws"].buckets.get(bucket_name)
    block = getattr(bucket, "public_access_block", None)
    restricted = block is not None and str(block.restrict_public_buckets).lower() == "true"
    if bucket is None or restricted or not iam.public_allows(bucket.policy, action, resource):
        adapter.refuse(service, "access_denied", response.method)


def sns_resource(self: Any) -> str:
    return self._get_param("TopicArn") or self._get_param("TargetArn") or "*"


def lambda_resource(self: Any) -> str:
    if "/functions/" not in self.path:
        return "*"
    name = adapter.function_name_from_path(self.path)
    if name.startswith("arn:"):
        return name
    try:
        return self.backend.get_function(name).function_arn
    except Exception:
        return "*"


def events_resource(self: Any) -> str:
    """The bus of ``PutEvents`` (``*`` when the entries name several), the rule of a rule
    call; IAM authorises EventBridge against them
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html)."""
    action = self._get_action()
    prefix = f"arn:aws:events:{self.region}:{self.current_account}"

    def bus_name(name: Any) -> str:
        return str(name or "default").rsplit("event-bus/", 1)[-1]

    if action == "PutEvents":
        entries = self._get_param("Entries") or []
        buses = {bus_name(entry.get("EventBusName")) for entry in entries}
        return f"{prefix}:event-bus/{buses.pop()}" if len(buses) == 1 else "*"
    rule = self._get_param("Rule") or (self._get_param("Name") if "Rule" in action else None)
    if not rule:
        return "*"
    bus = bus_name(self._get_param("EventBusName"))
    return f"{prefix}:rule/{rule}" if bus == "default" else f"{prefix}:rule/{bus}/{rule}"
