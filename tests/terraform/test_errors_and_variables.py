"""Diagnostics a learner can act on, and where variable values come from."""

import pytest

ROLE = 'resource "fake_role" "r" {\n  name = "role"\n}\n'


def test_syntax_error_names_file_line_and_column(tf):
    tf.write("main.tf", 'resource "fake_role" "r" {\n  name = = "x"\n}\n')
    code, text = tf("plan")
    assert code == 1
    assert "│ Error: Invalid HCL syntax" in text
    assert "│   on main.tf line 2:" in text
    assert '│    2:   name = = "x"' in text
    assert "line 2, column" in text


def test_undeclared_resource_has_location(tf):
    tf.write(
        "main.tf", ROLE + 'resource "fake_bucket" "b" {\n  bucket = fake_role.missing.arn\n}\n'
    )
    code, text = tf("plan")
    assert code == 1
    # The whole diagnostic, the detail wrapped at 75 columns as terraform wraps it.
    assert text == (
        "╷\n"
        "│ Error: Reference to undeclared resource\n"
        "│\n"
        '│   on main.tf line 5, in resource "fake_bucket" "b":\n'
        "│    5:   bucket = fake_role.missing.arn\n"
        "│\n"
        '│ A managed resource "fake_role" "missing" has not been declared in the root\n'
        "│ module.\n"
        "╵\n"
    )


def test_undeclared_variable_and_unsupported_attribute(tf):
    tf.write("main.tf", ROLE + 'resource "fake_bucket" "b" {\n  bucket = var.name\n}\n')
    code, text = tf("validate")
    assert "Reference to undeclared input variable" in text
    assert "│    5:   bucket = var.name" in text
    tf.write("main.tf", ROLE + 'resource "fake_bucket" "b" {\n  bucket = fake_role.r.arnn\n}\n')
    code, text = tf("plan")
    assert code == 1
    assert "│ Error: Unsupported attribute" in text
    assert '│   on main.tf line 5, in resource "fake_bucket" "b":' in text
    assert 'no argument, nested block, or exported attribute named\n│ "arnn".' in text


def test_unsupported_resource_type_lists_supported(tf):
    tf.write("main.tf", 'resource "aws_nope" "x" {\n  a = 1\n}\n')
    code, text = tf("plan")
    assert code == 1
    assert 'does not support resource type "aws_nope"' in text
    assert "Supported resource types:" in text and "fake_bucket, fake_role" in text


def test_unsupported_data_source_lists_supported(tf):
    tf.write("main.tf", 'data "aws_nope" "x" {\n  a = 1\n}\n')
    code, text = tf("plan")
    assert code == 1
    assert "│ Error: Invalid data source" in text
    assert 'does not support data source "aws_nope"' in text
    assert "Supported data sources:" in text


def test_cycle_names_its_members(tf):
    tf.write(
        "main.tf",
        'resource "fake_role" "a" {\n  name = fake_role.b.id\n}\n'
        'resource "fake_role" "b" {\n  name = fake_role.a.id\n}\n'
        'resource "fake_bucket" "c" {\n  bucket = fake_role.a.id\n}\n',
    )
    code, text = tf("plan")
    assert code == 1
    assert "│ Error: Cycle: fake_role.a, fake_role.b\n" in text


def test_validation_block(tf):
    tf.write(
        "main.tf",
        'variable "n" {\n  type = number\n  default = 5\n  validation {\n'
        "    condition     = var.n < 3\n"
        '    error_message = "n must be below 3."\n  }\n}\n',
    )
    code, text = tf("plan")
    assert code == 1 and "│ Error: Invalid value for variable" in text
    assert "│ n must be below 3." in text
    code, text = tf("plan", "-var", "n=2")
    assert code == 0, text


def test_type_checking(tf):
    tf.write("main.tf", 'variable "n" {\n  type = number\n}\n')
    code, text = tf("plan", "-var=n=abc")
    assert code == 1 and "Invalid value for input variable" in text
    code, text = tf("plan")
    assert code == 1 and "No value for required variable" in text


@pytest.mark.parametrize(
    "setup, args, env, expected",
    [
        ({}, [], {}, "default"),
        ({}, [], {"TF_VAR_v": "env"}, "env"),
        ({"terraform.tfvars": 'v = "tfvars"\n'}, [], {"TF_VAR_v": "env"}, "tfvars"),
        (
            {"terraform.tfvars": 'v = "tfvars"\n', "a.auto.tfvars": 'v = "auto"\n'},
            [],
            {},
            "auto",
        ),
        (
            {"a.auto.tfvars": 'v = "auto"\n', "x.tfvars": 'v = "file"\n'},
            ["-var-file=x.tfvars"],
            {},
            "file",
        ),
        ({"x.tfvars": 'v = "file"\n'}, ["-var-file=x.tfvars", "-var", "v=cli"], {}, "cli"),
        ({"x.tfvars": 'v = "file"\n'}, ["-var", "v=cli", "-var-file=x.tfvars"], {}, "file"),
    ],
)
def test_variable_precedence(tf, setup, args, env, expected):
    tf.write(
        "main.tf", 'variable "v" {\n  default = "default"\n}\noutput "v" {\n  value = var.v\n}\n'
    )
    for name, text in setup.items():
        tf.write(name, text)
    code, text = tf("apply", "-auto-approve", *args, env=env)
    assert code == 0, text
    assert f'v = "{expected}"' in text


def test_complex_variable_from_cli(tf):
    tf.write(
        "main.tf",
        'variable "l" {\n  type = list(string)\n}\noutput "n" {\n  value = length(var.l)\n}\n',
    )
    code, text = tf("apply", "-auto-approve", '-var=l=["a", "b"]')
    assert code == 0, text
    assert "n = 2" in text
