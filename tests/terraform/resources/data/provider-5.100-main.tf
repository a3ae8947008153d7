terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}
provider "aws" { region = "ap-northeast-1" }
data "aws_caller_identity" "me" {}
data "aws_region" "here" {}
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}
data "aws_iam_policy_document" "multi" {
  statement {
    sid       = "Two"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.b.arn}/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = ["123456789012"]
    }
  }
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.q.arn]
  }
}
resource "aws_iam_role" "r" {
  name               = "shape_role"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}
resource "aws_iam_policy" "p" {
  name   = "shape_policy"
  description = "d"
  policy = data.aws_iam_policy_document.multi.json
}
resource "aws_iam_role_policy" "inline" {
  name   = "inline"
  role   = aws_iam_role.r.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "logs:*", Resource = "*" }] })
}
resource "aws_iam_role_policy_attachment" "a" {
  role       = aws_iam_role.r.name
  policy_arn = aws_iam_policy.p.arn
}
resource "aws_s3_bucket" "b" {
  bucket        = "shape-bucket"
  force_destroy = true
}
resource "aws_s3_object" "o" {
  bucket  = aws_s3_bucket.b.id
  key     = "seed/hello.txt"
  content = "hello"
}
resource "aws_sqs_queue" "q" {
  name                       = "shape-q"
  visibility_timeout_seconds = 60
}
resource "aws_sqs_queue_policy" "qp" {
  queue_url = aws_sqs_queue.q.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "sns.amazonaws.com" }, Action = "sqs:SendMessage", Resource = aws_sqs_queue.q.arn }] })
}
resource "aws_sns_topic" "t" { name = "shape-t" }
resource "aws_sns_topic_subscription" "s" {
  topic_arn = aws_sns_topic.t.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.q.arn
}
resource "aws_cloudwatch_log_group" "lg" {
  name              = "/aws/lambda/shape_fn"
  retention_in_days = 7
}
resource "aws_lambda_function" "f" {
  function_name    = "shape_fn"
  role             = aws_iam_role.r.arn
  handler          = "lambda_function.lambda_handler"
  runtime          = "python3.12"
  filename         = "${path.module}/fn.zip"
  source_code_hash = filebase64sha256("${path.module}/fn.zip")
  timeout          = 10
  environment {
    variables = { A = "1" }
  }
  dead_letter_config { target_arn = aws_sqs_queue.q.arn }
  depends_on = [aws_cloudwatch_log_group.lg]
}
resource "aws_lambda_permission" "perm" {
  statement_id  = "AllowS3"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.f.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = aws_s3_bucket.b.arn
  source_account = data.aws_caller_identity.me.account_id
}
resource "aws_lambda_function_event_invoke_config" "eic" {
  function_name                = aws_lambda_function.f.function_name
  maximum_retry_attempts       = 1
  maximum_event_age_in_seconds = 3600
  destination_config {
    on_failure { destination = aws_sqs_queue.q.arn }
  }
}
resource "aws_s3_bucket_notification" "n" {
  bucket = aws_s3_bucket.b.id
  lambda_function {
    lambda_function_arn = aws_lambda_function.f.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "uploads/"
    filter_suffix       = ".txt"
  }
  queue {
    queue_arn = aws_sqs_queue.q.arn
    events    = ["s3:ObjectRemoved:*"]
  }
  depends_on = [aws_lambda_permission.perm]
}
output "doc" { value = data.aws_iam_policy_document.multi.json }
output "region" { value = data.aws_region.here.name }
