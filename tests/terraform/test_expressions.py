"""The evaluator over the syntax trees ``hcl.parse`` keeps, checked against golden fixtures."""

import json
from pathlib import Path

import pytest

from lambdalab.terraform import hcl
from lambdalab.terraform.errors import EvalError
from lambdalab.terraform.expressions import Scope, evaluate, references
from lambdalab.terraform.functions import jsonencode
from lambdalab.terraform.unknown import UNKNOWN

FIXTURES = Path(__file__).parent / "fixtures"


def _locals(name: str) -> dict:
    body = hcl.parse((FIXTURES / name).read_text(), name)
    return {k: a.expr for k, a in body.blocks_of("locals")[0].body.attributes.items()}


def ev(source: str, scope: Scope | None = None):
    """The value of an expression written as HCL source."""
    return evaluate(hcl.parse_expression(source), scope or Scope())


def test_one_parse_gives_blocks_attributes_and_lines():
    body = hcl.parse((FIXTURES / "shape.tf").read_text(), "shape.tf")
    (block,) = body.blocks
    assert (block.type, block.labels, block.line, block.end_line) == (
        "resource",
        ("aws_lambda_function", "fn"),
        1,
        7,
    )
    attrs = block.body.attributes
    assert {n: (a.line, a.end_line) for n, a in attrs.items()} == {
        "function_name": (2, 2),
        "role": (3, 3),
        "source_dir": (4, 4),
        "depends_on": (5, 5),
    }
    (nested,) = block.body.blocks
    assert (nested.type, nested.line, nested.body.attributes) == ("dead_letter_config", 6, {})
    # the evaluator walks the very trees of the parse
    scope = Scope(locals={"prefix": "lab"}, path={"module": "."})
    assert evaluate(attrs["function_name"].expr, scope) == "lab-fn"
    assert [r.address for r in references(block.body)] == [
        "local.prefix",
        "aws_iam_role.lambda_role",
        "aws_lambda_permission.allow_s3_invocation",
    ]


def test_an_argument_set_twice_is_an_error():
    with pytest.raises(Exception) as info:
        hcl.parse("a = 1\nb = 2\na = 3\n", "main.tf")
    assert info.value.summary == "Attribute redefined"
    assert info.value.detail == (
        'The argument "a" was already set at main.tf:1,1-2. Each argument may be set only once.'
    )


GOLDEN = json.loads((FIXTURES / "expressions.json").read_text())


@pytest.fixture(scope="module")
def golden_locals():
    return _locals("expressions.tf")  # parsed once for all the cases


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_expression_golden(name, golden_locals):
    scope = Scope(variables={"name": "lab", "tags": {"Env": "dev"}, "n": 3})
    assert evaluate(golden_locals[name], scope) == GOLDEN[name]


def test_article_policy_matches_terraform_jsonencode_bytes():
    src = """jsonencode({
      Version = "2012-10-17",
      Statement = [{
        Action = "sts:AssumeRole",
        Effect = "Allow",
        Principal = { Service = "lambda.amazonaws.com" }
      }]
    })
    """
    assert ev(src) == (
        '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",'
        '"Principal":{"Service":"lambda.amazonaws.com"}}],"Version":"2012-10-17"}'
    )


def test_jsonencode_numbers_and_unicode():
    assert jsonencode({"n": 3.0, "u": "日本", "l": "\u2028"}) == '{"l":"\\u2028","n":3,"u":"日本"}'


def test_references_found_in_templates_heredocs_and_function_args():
    def refs(source):
        return references(hcl.parse_expression(source))

    leaf = '"${jsonencode({a = aws_iam_role.r.arn, b = [for x in var.l : x]})}"'
    assert {r.address for r in refs(leaf)} == {"aws_iam_role.r", "var.l"}
    heredoc = "<<EOT\n${data.archive_file.main.output_path}\nEOT\n"
    assert [r.address for r in refs(heredoc)] == ["data.archive_file.main"]
    assert refs("[for s in local.xs : s.id]")[0].address == "local.xs"


def test_unknown_values_propagate():
    scope = Scope(resources={"aws_x.y": {"arn": UNKNOWN, "name": "n"}})
    assert ev('"${aws_x.y.arn}/suffix"', scope) is UNKNOWN
    assert ev("jsonencode({a = aws_x.y.arn})", scope) is UNKNOWN
    assert ev("aws_x.y.name", scope) == "n"


def test_count_index_and_each():
    scope = Scope(count_index=2)
    assert ev('"n-${count.index}"', scope) == "n-2"
    scope = Scope(each=("k", {"v": 1}))
    assert ev('"${each.key}=${each.value.v}"', scope) == "k=1"


def test_path_module_is_dot():
    scope = Scope(path={"module": ".", "root": ".", "cwd": "/w"})
    assert ev('"${path.module}/lambda-functions"', scope) == "./lambda-functions"


def test_file_functions(tmp_path):
    (tmp_path / "f.txt").write_text("abc")
    scope = Scope(base_dir=str(tmp_path))
    assert ev('file("f.txt")', scope) == "abc"
    assert ev('filesha256("f.txt")', scope).startswith("ba7816bf")
    assert ev('filebase64sha256("f.txt")', scope) == (
        "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
    )
    with pytest.raises(EvalError, match="no file exists"):
        ev('file("missing.txt")', scope)


def test_errors_name_what_is_wrong():
    scope = Scope(resources={"aws_x.y": {"arn": "a"}})
    with pytest.raises(EvalError) as err:
        ev("aws_x.y.arnn", scope)
    assert err.value.summary == "Unsupported attribute"
    assert err.value.subject == "aws_x.y.arnn"
    with pytest.raises(EvalError, match="undeclared input variable"):
        ev("var.nope", scope)
    with pytest.raises(EvalError, match="null"):
        ev('"a${null}"', scope)
    with pytest.raises(EvalError, match="no function named"):
        ev("nosuch(1)", scope)
