"""One module per resource type; importing this package registers them all (see ``base``)."""

from . import (  # noqa: F401 - imported for their @register side effect
    cloudwatch_log_group,
    data_archive_file,
    data_aws,
    data_iam_policy_document,
    iam_policy,
    iam_role,
    iam_role_policy,
    iam_role_policy_attachment,
    lambda_event_invoke_config,
    lambda_event_source_mapping,
    lambda_function,
    lambda_permission,
    random_id,
    random_string,
    s3_bucket,
    s3_bucket_notification,
    s3_object,
    sns_topic,
    sns_topic_subscription,
    sqs_queue,
    sqs_queue_policy,
)
from .base import DATA_SOURCES, RESOURCE_TYPES, ApplyContext, ResourceError

__all__ = ["DATA_SOURCES", "RESOURCE_TYPES", "ApplyContext", "ResourceError"]
