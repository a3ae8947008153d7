"""Lambda answers replayed from AWS's recordings (LocalStack's AWS-validated snapshots in
tests/aws/services/lambda_/test_lambda.snapshot.json and test_lambda_api.snapshot.json), with
our own functions and names."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.lab_helpers import make_function, make_queue, make_role, update_configuration

OK = "def lambda_handler(e, c):\n    print('hello')\n    return 1\n"


def test_invoke_of_a_missing_function_names_latest_with_type_user(lab):
    """test_invoke_exceptions (recorded 24-11-2025)."""
    with pytest.raises(ClientError) as err:
        lab.client("lambda").invoke(FunctionName="doesnotexist")
    response = err.value.response
    arn = f"arn:aws:lambda:{lab.region}:{lab.account_id}:function:doesnotexist:$LATEST"
    assert response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": f"Function not found: {arn}",
    }
    assert response["Type"] == "User"
    assert response["Message"] == f"Function not found: {arn}"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_get_function_of_a_missing_function_has_no_qualifier(lab):
    with pytest.raises(ClientError) as err:
        lab.client("lambda").get_function(FunctionName="doesnotexist")
    arn = f"arn:aws:lambda:{lab.region}:{lab.account_id}:function:doesnotexist"
    assert err.value.response["Error"]["Message"] == f"Function not found: {arn}"
    assert err.value.response["Type"] == "User"


def test_the_invoke_request_id_is_the_functions_own(lab):
    """One x-amzn-RequestId: the id of the START/END/REPORT lines, which learners match."""
    make_function(lab, "ids", OK)
    response = lab.client("lambda").invoke(FunctionName="ids", LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert "," not in request_id
    import base64

    tail = base64.b64decode(response["LogResult"]).decode()
    assert f"START RequestId: {request_id} Version: $LATEST" in tail


def test_an_empty_dead_letter_config_keeps_the_dlq(lab):
    sqs = lab.client("sqs")
    _, queue_arn = make_queue(sqs, "kept-dlq")
    role = make_role(
        lab,
        "dlq-role",
        [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}],
    )
    make_function(lab, "with-dlq", OK, role_arn=role, DeadLetterConfig={"TargetArn": queue_arn})
    client = lab.client("lambda")
    update_configuration(client, "with-dlq", DeadLetterConfig={})
    config = client.get_function_configuration(FunctionName="with-dlq")
    assert config["DeadLetterConfig"] == {"TargetArn": queue_arn}
    update_configuration(client, "with-dlq", DeadLetterConfig={"TargetArn": ""})
    config = client.get_function_configuration(FunctionName="with-dlq")
    assert "TargetArn" not in config.get("DeadLetterConfig", {})


def test_s3_records_name_the_caller_and_the_bucket_owner_differently(lab):
    """Recorded: test_s3_notifications_sqs.snapshot.json (userIdentity ≠ ownerIdentity)."""
    import json

    from tests.lab_helpers import make_bucket

    sqs = lab.client("sqs")
    url, arn = make_queue(sqs, "records")
    make_bucket(lab, "records-bucket")
    s3 = lab.client("s3")
    s3.put_bucket_notification_configuration(
        Bucket="records-bucket",
        NotificationConfiguration={
            "QueueConfigurations": [
                {"QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}
            ]
        },
    )
    s3.put_object(Bucket="records-bucket", Key="a.txt", Body=b"x")
    s3.delete_object(Bucket="records-bucket", Key="a.txt")
    records = []
    for _ in range(5):
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            body = json.loads(message["Body"])
            records += body.get("Records", [])
    names = [r["eventName"] for r in records]
    assert names == ["ObjectCreated:Put", "ObjectRemoved:Delete"]
    created, removed = records
    assert (
        created["userIdentity"]["principalId"]
        != created["s3"]["bucket"]["ownerIdentity"]["principalId"]
    )
    assert list(removed["s3"]["object"]) == ["key", "sequencer"]


def test_a_queues_redrive_policy_reads_back_as_compact_json(lab):
    sqs = lab.client("sqs")
    _, dlq_arn = make_queue(sqs, "compact-dlq")
    policy = '{"deadLetterTargetArn":"' + dlq_arn + '","maxReceiveCount":3}'
    url = sqs.create_queue(QueueName="compact-src", Attributes={"RedrivePolicy": policy})[
        "QueueUrl"
    ]
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
    assert got["Attributes"]["RedrivePolicy"] == policy
