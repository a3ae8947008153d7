"""Plan-time validation against the aws provider's schema (issue 11 item 6).

The expected texts are what terraform 1.11 with hashicorp/aws 5.100.0 prints for the same files;
``test_oracle.py::test_diagnostics_match_real_terraform`` compares the two engines directly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lambdalab.terraform import real, schema
from lambdalab.terraform.resources import DATA_SOURCES, RESOURCE_TYPES

ROOT = Path(__file__).resolve().parents[2]
FUNCTION = """resource "aws_lambda_function" "fn" {
  function_name = "fn"
%s  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "fn.zip"
%s}
"""
ROLE = '  role          = "arn:aws:iam::123456789012:role/r"\n'


def function(body: str = "", role: str = ROLE) -> str:
    return FUNCTION % (role, body)


def test_missing_required_argument_stops_the_plan(tf):
    tf.write("main.tf", function(role=""))
    code, text = tf("apply", "-auto-approve")
    assert code == 1
    assert "Plan:" not in text and "Creating" not in text and "KeyError" not in text
    assert text == (
        "╷\n"
        "│ Error: Missing required argument\n"
        "│\n"
        '│   on main.tf line 1, in resource "aws_lambda_function" "fn":\n'
        '│    1: resource "aws_lambda_function" "fn" {\n'
        "│\n"
        '│ The argument "role" is required, but no definition was found.\n'
        "╵\n"
    )


def test_wrong_type_is_reported_at_its_line(tf):
    tf.write("main.tf", function('  timeout       = "ten"\n'))
    code, text = tf("plan")
    assert code == 1
    assert "ValueError" not in text
    assert text == (
        "╷\n"
        "│ Error: Incorrect attribute value type\n"
        "│\n"
        '│   on main.tf line 7, in resource "aws_lambda_function" "fn":\n'
        '│    7:   timeout       = "ten"\n'
        "│\n"
        '│ Inappropriate value for attribute "timeout": a number is required.\n'
        "╵\n"
    )


def test_values_are_converted_to_the_schema_type(tf):
    tf.write("main.tf", function('  timeout       = "10"\n  publish       = "true"\n'))
    code, text = tf("plan")
    assert code == 0, text
    assert "+ timeout                            = 10\n" in text
    assert "+ publish                            = true\n" in text


def test_all_problems_are_reported_together_in_source_order(tf):
    tf.write(
        "main.tf",
        function(
            "  colour        = 1\n"
            "  tag = {}\n"
            "  enviroment {\n  }\n"
            "  environment = {}\n"
            "  tags          = { a = [1] }\n",
            role="",
        ),
    )
    code, text = tf("validate")
    assert code == 1
    summaries = [line for line in text.splitlines() if line.startswith("│ Error:")]
    assert summaries == [
        "│ Error: Missing required argument",
        "│ Error: Unsupported argument",
        "│ Error: Unsupported argument",
        "│ Error: Unsupported block type",
        "│ Error: Unsupported argument",
        "│ Error: Incorrect attribute value type",
    ]
    assert '│ An argument named "colour" is not expected here.\n' in text
    assert '│ An argument named "tag" is not expected here. Did you mean "tags"?\n' in text
    assert (
        '│ Blocks of type "enviroment" are not expected here. Did you mean\n│ "environment"?\n'
    ) in text
    assert (
        '│ An argument named "environment" is not expected here. Did you mean to\n'
        '│ define a block of type "environment"?\n'
    ) in text
    assert '│ Inappropriate value for attribute "tags": element "a": string required.\n' in text


def test_nested_blocks_are_checked_too(tf):
    tf.write(
        "main.tf",
        function(
            "  environment {\n    variables = {}\n    bogus = 1\n  }\n"
            "  environment {\n  }\n"
            "  dead_letter_config {\n  }\n"
        ),
    )
    code, text = tf("plan")
    assert code == 1
    assert '│    9:     bogus = 1\n│\n│ An argument named "bogus" is not expected here.' in text
    assert (
        "│ Error: Too many environment blocks\n│\n"
        '│   on main.tf line 11, in resource "aws_lambda_function" "fn":\n'
        "│   11:   environment {\n│\n"
        '│ No more than 1 "environment" blocks are allowed\n'
    ) in text
    assert (
        '│   13:   dead_letter_config {\n│\n│ The argument "target_arn" is required, but no '
        "definition was found.\n"
    ) in text


def test_a_variable_of_the_wrong_type_shows_its_value(tf):
    tf.write("main.tf", 'variable "t" {\n  default = "abc"\n}\n' + function("  timeout = var.t\n"))
    code, text = tf("plan")
    assert code == 1
    assert text == (
        "\n"
        "Planning failed. Terraform encountered an error while generating this plan.\n"
        "\n"
        "╷\n"
        "│ Error: Incorrect attribute value type\n"
        "│\n"
        '│   on main.tf line 10, in resource "aws_lambda_function" "fn":\n'
        "│   10:   timeout = var.t\n"
        "│     ├────────────────\n"
        '│     │ var.t is "abc"\n'
        "│\n"
        '│ Inappropriate value for attribute "timeout": a number is required.\n'
        "╵\n"
    )
    code, text = tf("plan", "-var", "t=30")
    assert code == 0, text


def test_provider_checks_come_once_the_configuration_decodes(tf):
    tf.write("main.tf", function('  arn = "x"\n', role="  role = null\n"))
    code, text = tf("plan")
    assert code == 1
    assert (
        "│ Error: Missing required argument\n│\n│   with aws_lambda_function.fn,\n"
        '│   on main.tf line 3, in resource "aws_lambda_function" "fn":\n'
        "│    3:   role = null\n"
    ) in text
    assert (
        "│ Error: Value for unconfigurable attribute\n│\n│   with aws_lambda_function.fn,\n"
        '│   on main.tf line 7, in resource "aws_lambda_function" "fn":\n'
        '│    7:   arn = "x"\n│\n'
        '│ Can\'t configure a value for "arn": its value will be decided automatically\n'
        "│ based on the result of applying this configuration.\n"
    ) in text
    tf.write("main.tf", function('  arn = "x"\n  colour = 1\n', role="  role = null\n"))
    code, text = tf("plan")
    assert "colour" in text and "unconfigurable" not in text  # decoding errors first


def test_count_and_for_each_instances_are_converted_each(tf):
    tf.write(
        "main.tf",
        'resource "aws_sqs_queue" "q" {\n  count = 2\n  name = "q${count.index}"\n'
        '  delay_seconds = count.index == 0 ? "5" : "x"\n}\n',
    )
    code, text = tf("plan")
    assert code == 1
    assert '│    4:   delay_seconds = count.index == 0 ? "5" : "x"\n' in text
    assert 'attribute "delay_seconds": a number is required.' in text


@pytest.mark.parametrize(
    ("value", "type_", "expected"),
    [
        ("10", "number", 10),
        ("1.5", "number", 1.5),
        (5, "string", "5"),
        (True, "string", "true"),
        ("1", "bool", True),
        (["a", 1, True], ["list", "string"], ["a", "1", "true"]),
        (["a", "a", "b"], ["set", "string"], ["a", "b"]),
        ({"a": 1}, ["map", "string"], {"a": "1"}),
        ({"a": "1", "b": "x"}, ["object", {"a": "number", "b": "string"}], {"a": 1, "b": "x"}),
        (None, "number", None),
    ],
)
def test_cty_conversions(value, type_, expected):
    assert schema.convert(value, type_) == expected


@pytest.mark.parametrize(
    ("value", "type_", "message"),
    [
        ("ten", "number", "a number is required"),
        ([1], "number", "number required"),
        (True, "number", "number required"),
        ("yes", "bool", "a bool is required"),
        ("False", "bool", 'a bool is required; to convert from string, use lowercase "false"'),
        ("abc", ["list", "string"], "list of string required"),
        (["a", [1]], ["list", "string"], "element 1: string required"),
        ({"a": [1]}, ["map", "string"], 'element "a": string required'),
        ({}, ["object", {"a": "number"}], 'attribute "a" is required'),
    ],
)
def test_cty_conversion_errors(value, type_, message):
    with pytest.raises(schema.ConversionError) as info:
        schema.convert(value, type_)
    assert str(info.value) == message


def test_suggestions_follow_hcl():
    assert schema.suggestion("tag", ["role", "tags"]) == "tags"
    assert schema.suggestion("colour", ["role", "tags"]) == ""


def test_every_aws_type_the_engine_implements_has_its_schema():
    for name in RESOURCE_TYPES:
        if name.startswith("aws_"):
            assert schema.block_schema("resource", name) is not None, name
    for name in DATA_SOURCES:
        if name.startswith("aws_"):
            assert schema.block_schema("data", name) is not None, name
    assert schema.provider_version() == "5.100.0"


def test_the_committed_schema_is_what_the_provider_says(tmp_path):
    """tools/terraform_schema.py --check: the JSON was generated, not edited by hand."""
    probe = tmp_path / "main.tf"
    probe.write_text('resource "aws_sqs_queue" "q" {}\n')
    ok, reason = real.usable(tmp_path)
    if not ok or shutil.which("terraform") is None:
        pytest.skip(f"real terraform is not usable here: {reason}")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "terraform_schema.py"), "--check"],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((ROOT / "src/lambdalab/terraform/aws_schema.json").read_text())
    role = doc["resource_schemas"]["aws_lambda_function"]["attributes"]["role"]
    assert role == {"required": True, "type": "string"}


def test_dynamic_blocks_are_refused_plainly(tf):
    tf.write(
        "main.tf",
        function(
            '  dynamic "environment" {\n    for_each = [1]\n'
            "    content {\n      variables = {}\n    }\n  }\n"
        ),
    )
    code, text = tf("validate")
    assert code == 1
    assert '│    7:   dynamic "environment" {\n' in text
    assert 'The built-in engine does not expand "dynamic" blocks' in text


def test_a_problem_in_an_override_file_is_shown_in_that_file(tf):
    tf.write("main.tf", function())
    tf.write("dev_override.tf", 'resource "aws_lambda_function" "fn" {\n  timeout = "soon"\n}\n')
    code, text = tf("plan")
    assert code == 1
    assert '│   on dev_override.tf line 2, in resource "aws_lambda_function" "fn":\n' in text
    assert '│    2:   timeout = "soon"\n' in text
