"""The built-in engine plans ``aws_lambda_event_source_mapping`` as real terraform does.

``fixtures/esm_plan.txt`` is real terraform 1.11's plan (hashicorp/aws 5.100.0) of the mapping in
``fixtures/oracle/esm``; ``test_oracle.py`` applies the whole configuration with both engines.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.lab_helpers import zip_source

FIXTURES = Path(__file__).parent / "fixtures"
MAPPING = """resource "aws_lambda_event_source_mapping" "m" {
  event_source_arn = "arn:aws:sqs:ap-northeast-1:123456789012:orders"
  function_name    = "orders"
%s}
"""


def _section(text: str, address: str) -> str:
    start = text.index(f"  # {address} will be created")
    return text[start : text.index("\n    }\n", start) + 7]


def test_plan_shows_the_mapping_as_terraform_does(tf):
    shutil.copytree(FIXTURES / "oracle" / "esm", tf.dir, dirs_exist_ok=True)
    (tf.dir / "fn.zip").write_bytes(zip_source("def lambda_handler(e, c):\n    return {}\n"))
    code, text = tf("plan")
    assert code == 0, text
    golden = (FIXTURES / "esm_plan.txt").read_text()
    assert _section(text, "aws_lambda_event_source_mapping.orders") == golden
    assert "Plan: 6 to add, 0 to change, 0 to destroy." in text


def test_mapping_arguments_are_validated_at_plan_time(tf):
    tf.write(
        "main.tf",
        MAPPING
        % (
            '  batch_size = "ten"\n'
            "  batchsize  = 10\n"
            "  scaling_config {\n    maximum_concurrency = 2\n  }\n"
            "  scaling_config {\n    maximum_concurrency = 3\n  }\n"
        ),
    )
    code, text = tf("plan")
    assert code == 1
    assert 'Inappropriate value for attribute "batch_size": a number is required.' in text
    assert (
        'An argument named "batchsize" is not expected here. Did you mean\n│ "batch_size"?' in text
    )
    assert '│ No more than 1 "scaling_config" blocks are allowed' in text


def test_a_number_given_as_text_reaches_the_api_as_a_number(tf):
    tf.write(
        "main.tf", MAPPING % '  batch_size = "5"\n  maximum_batching_window_in_seconds = "1"\n'
    )
    code, text = tf("plan")
    assert code == 0, text
    assert "+ batch_size                         = 5\n" in text
    assert "+ maximum_batching_window_in_seconds = 1\n" in text
