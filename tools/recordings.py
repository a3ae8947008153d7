"""Copy excerpts of AWS's recorded responses into tests/recorded/fixtures/ (run by hand).

LocalStack keeps responses recorded against real AWS as ``.snapshot.json`` files beside its
AWS-validated tests (https://github.com/localstack/localstack). The lab's replay tests
(tests/recorded/) read excerpts of them from tests/recorded/fixtures/ so they run offline.
This tool writes those excerpts: for each snapshot file, the snapshots (test ids) named in
``SELECTION`` with their ``recorded-date`` and ``recorded-content``, and where they came from
(repository, path, commit). The recordings are data, not code.

    python tools/recordings.py [--repo /path/to/a/localstack/git/dir]

reads a local git repository of localstack/localstack (a bare mirror is enough) at HEAD.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "recorded" / "fixtures"
DEFAULT_REPO = Path("/work/.mirror/localstack+localstack/repo")

LAMBDA = "tests/aws/services/lambda_"
S3 = "tests/aws/services/s3"
# snapshot file -> the tests of it the lab replays (everything else is out of the course)
SELECTION: dict[str, list[str]] = {
    f"{LAMBDA}/test_lambda_api.snapshot.json": [
        "TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_lifecycle",
        "TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_exceptions",
        "TestLambdaRecursion::test_put_function_recursion_config_allow",
        "TestLambdaRecursion::test_put_function_recursion_config_default_terminate",
        "TestLambdaRecursion::test_put_function_recursion_config_invalid_value",
        "TestLambdaReservedConcurrency::test_function_concurrency_exceptions",
        "TestLambdaReservedConcurrency::test_function_concurrency",
        "TestLambdaFunction::test_ops_on_nonexisting_fn[get_function_event_invoke_config]",
        "TestLambdaFunction::test_ops_on_nonexisting_fn[get_function_concurrency]",
        "TestLambdaFunction::test_ops_on_nonexisting_version[get_function_event_invoke_config]",
        "TestLambdaFunction::test_get_function_wrong_region[get_function_event_invoke_config]",
        "TestLambdaFunction::test_get_function_wrong_region[get_function_concurrency]",
        "TestLambdaFunction::test_get_function_wrong_region[invoke]",
    ],
    f"{LAMBDA}/test_lambda.snapshot.json": [
        "TestLambdaFeatures::test_invocation_type_event[python3.10]",
        "TestLambdaFeatures::test_invocation_type_request_response[python3.10]",
        "TestLambdaFeatures::test_invocation_type_dry_run[python3.10]",
        "TestLambdaFeatures::test_invocation_type_no_return_payload[python-RequestResponse]",
        "TestLambdaFeatures::test_invocation_type_no_return_payload[python-Event]",
        "TestLambdaFeatures::test_invoke_exceptions",
        "TestLambdaBehavior::test_lambda_invoke_with_timeout",
        "TestLambdaBehavior::test_lambda_invoke_no_timeout",
        "TestLambdaConcurrency::test_lambda_concurrency_crud",
        "TestLambdaConcurrency::test_lambda_concurrency_update",
        "TestLambdaConcurrency::test_reserved_concurrency",
        "TestLambdaConcurrency::test_reserved_concurrency_async_queue",
        "TestRequestIdHandling::test_request_id_async_invoke_with_retry",
    ],
    f"{LAMBDA}/test_lambda_destinations.snapshot.json": [
        "TestLambdaDestinationSqs::test_assess_lambda_destination_invocation[payload0]",
        "TestLambdaDestinationSqs::test_assess_lambda_destination_invocation[payload1]",
        "TestLambdaDestinationSqs::test_lambda_destination_default_retries",
        "TestLambdaDestinationSqs::test_maxeventage",
        "TestLambdaDestinationSqs::test_retries",
        "TestLambdaDLQ::test_dead_letter_queue",
    ],
    f"{S3}/test_s3_notifications_lambda.snapshot.json": [
        "TestS3NotificationsToLambda::test_invalid_lambda_arn",
    ],
    f"{S3}/test_s3_notifications_sqs.snapshot.json": [
        "TestS3NotificationsToSQS::test_object_created_put",
        "TestS3NotificationsToSQS::test_object_created_and_object_removed",
        "TestS3NotificationsToSQS::test_key_encoding",
        "TestS3NotificationsToSQS::test_object_created_copy",
        "TestS3NotificationsToSQS::test_object_created_complete_multipart_upload",
        "TestS3NotificationsToSQS::test_delete_objects",
        "TestS3NotificationsToSQS::test_xray_header",
        "TestS3NotificationsToSQS::test_object_tagging_put_event",
        "TestS3NotificationsToSQS::test_object_tagging_delete_event",
        "TestS3NotificationsToSQS::test_notifications_with_filter",
        "TestS3NotificationsToSQS::test_filter_rules_case_insensitive",
        "TestS3NotificationsToSQS::test_invalid_sqs_arn",
        "TestS3NotificationsToSQS::test_multiple_invalid_sqs_arns",
        "TestS3NotificationsToSQS::test_filter_rules_empty_value",
    ],
    f"{S3}/test_s3_notifications_sns.snapshot.json": [
        "TestS3NotificationsToSns::test_object_created_put",
        "TestS3NotificationsToSns::test_invalid_topic_arn",
    ],
}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def excerpt(repo: Path, path: str, wanted: list[str]) -> dict:
    """The named snapshots of one recorded file, with their source."""
    commit = _git(repo, "rev-parse", "HEAD").strip()
    recorded = json.loads(_git(repo, "show", f"{commit}:{path}"))
    test_file = path.removesuffix(".snapshot.json") + ".py"
    snapshots = {}
    for test in wanted:
        # a test id may appear under an older path too (a moved file); the current one wins
        snapshots[test] = recorded[f"{test_file}::{test}"]
    return {
        "source": {"repository": "localstack/localstack", "path": path, "commit": commit},
        "note": "Responses recorded against real AWS (excerpt); placeholders such as "
        "<function-name:1> stand for per-run values.",
        "snapshots": snapshots,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO)
    args = parser.parse_args()
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for path, wanted in SELECTION.items():
        target = FIXTURES / Path(path).name.replace(".snapshot", "")
        data = excerpt(args.repo, path, wanted)
        target.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{target.relative_to(ROOT)}: {len(wanted)} snapshots")


if __name__ == "__main__":
    main()
