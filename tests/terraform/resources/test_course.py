"""The course configuration (terraform/ and its variants) applies with the built-in engine,
and the resources it leaves behave as the hands-on needs."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from lambdalab.terraform import builtin, runner

ROOT = Path(__file__).resolve().parents[3]


def _copy_course(tmp_path: Path) -> Path:
    """terraform/ and lambda_functions/ side by side, so ../lambda_functions resolves."""
    shutil.copytree(ROOT / "terraform", tmp_path / "terraform", ignore=_ignore)
    shutil.copytree(ROOT / "lambda_functions", tmp_path / "lambda_functions", ignore=_ignore)
    return tmp_path / "terraform"


def _ignore(directory, names):
    return [n for n in names if n in ("build", "__pycache__", ".terraform") or "tfstate" in n]


def _run(cloud, chdir: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    factory = runner.context_factory(cloud)
    code = builtin.run(list(args), chdir=chdir, ctx_factory=factory, out=out, env={})
    return code, out.getvalue()


def test_course_configuration_applies_and_destroys(ctx, cloud, tmp_path):
    work = _copy_course(tmp_path)
    code, text = _run(cloud, work, "apply", "-auto-approve")
    assert code == 0, text
    assert "Apply complete! Resources: 10 added, 0 changed, 0 destroyed." in text
    outputs = json.loads((work / "terraform.tfstate").read_text())["outputs"]
    bucket = outputs["bucket_name"]["value"]
    assert bucket.startswith("hands-on-bucket-") and len(bucket) == len("hands-on-bucket-") + 8

    s3, lam, iam = ctx.client("s3"), ctx.client("lambda"), ctx.client("iam")
    conf = lam.get_function_configuration(FunctionName="s3_move_lambda_function")
    assert conf["Runtime"] == "python3.12" and conf["Timeout"] == 10
    notif = s3.get_bucket_notification_configuration(Bucket=bucket)
    (lc,) = notif["LambdaFunctionConfigurations"]
    assert lc["LambdaFunctionArn"] == conf["FunctionArn"]
    rules = {r["Name"].lower(): r["Value"] for r in lc["Filter"]["Key"]["FilterRules"]}
    assert rules == {"prefix": "uploads/"}
    policy = json.loads(lam.get_policy(FunctionName="s3_move_lambda_function")["Policy"])
    assert (
        policy["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"] == f"arn:aws:s3:::{bucket}"
    )
    arns = {
        p["PolicyArn"]
        for p in iam.list_attached_role_policies(RoleName="s3_move_lambda_function_role")[
            "AttachedPolicies"
        ]
    }
    own = next(a for a in arns if a.endswith(":policy/s3_move_lambda_function_s3_access"))
    pol = iam.get_policy(PolicyArn=own)["Policy"]
    doc = iam.get_policy_version(PolicyArn=own, VersionId=pol["DefaultVersionId"])
    resources = doc["PolicyVersion"]["Document"]["Statement"][0]["Resource"]
    assert resources == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]

    # A second apply changes nothing (stable zip hash, normalised documents).
    code, text = _run(cloud, work, "plan")
    assert code == 0 and "No changes." in text, text

    # Leave an object behind: force_destroy must still let destroy remove the bucket.
    s3.put_object(Bucket=bucket, Key="processed/left.txt", Body=b"x")
    code, text = _run(cloud, work, "destroy", "-auto-approve")
    assert code == 0, text
    assert "Destroy complete! Resources: 10 destroyed." in text
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_uploads_are_moved_on_the_lab(ctx, cloud, tmp_path):
    """End to end on the lab (real handler): uploads/x → processed/x, nothing re-triggers."""
    work = _copy_course(tmp_path)
    assert _run(cloud, work, "apply", "-auto-approve")[0] == 0
    bucket = json.loads((work / "terraform.tfstate").read_text())["outputs"]["bucket_name"]["value"]
    s3 = ctx.client("s3")
    s3.put_object(Bucket=bucket, Key="uploads/sample.txt", Body=b"Sample content\n")
    s3.put_object(Bucket=bucket, Key="uploads/my file.txt", Body=b"spaces\n")
    cloud.wait_idle(timeout=60)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
    assert keys == ["processed/my file.txt", "processed/sample.txt"]
    attempts = cloud.invocations("s3_move_lambda_function")
    assert len(attempts) == 2 and all(a.outcome == "success" for a in attempts)
    assert _run(cloud, work, "destroy", "-auto-approve")[0] == 0


def test_dlq_variant_applies(ctx, cloud, tmp_path):
    work = _copy_course(tmp_path) / "variants" / "dlq"
    code, text = _run(cloud, work, "apply", "-auto-approve")
    assert code == 0, text
    lam = ctx.client("lambda")
    eic = lam.get_function_event_invoke_config(FunctionName="flaky_mailer")
    assert eic["MaximumRetryAttempts"] == 2 and eic["MaximumEventAgeInSeconds"] == 3600
    assert eic["DestinationConfig"]["OnFailure"]["Destination"].endswith(":flaky_mailer-failures")
    code, text = _run(cloud, work, "apply", "-auto-approve", "-var", "maximum_retry_attempts=0")
    assert code == 0, text
    # Bare moto drops DeadLetterConfig, so there terraform also re-applies the DLQ (drift).
    changed = "1 changed" if hasattr(cloud, "wait_idle") else "2 changed"
    assert changed in text, text
    eic = lam.get_function_event_invoke_config(FunctionName="flaky_mailer")
    if hasattr(cloud, "wait_idle"):  # bare moto keeps the first config (see test_lambda)
        assert eic["MaximumRetryAttempts"] == 0
    code, text = _run(cloud, work, "destroy", "-auto-approve")
    assert code == 0, text
