# Variant: where do failed asynchronous events go?
# A function that always fails (lambda_functions/flaky), a dead-letter queue (DLQ) for the
# events Lambda gives up on, and an on-failure destination, which receives a richer record
# (the event plus the error and the number of attempts). Both may be set; both then receive it.

resource "aws_sqs_queue" "dlq" {
  name = "${var.function_name}-dlq"
}

resource "aws_sqs_queue" "failures" {
  name = "${var.function_name}-failures"
}

resource "aws_iam_role" "fn" {
  name = "${var.function_name}_role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.fn.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

# Lambda sends to the DLQ and to the destination *as the function's role*, so the role needs
# sqs:SendMessage on both queues (the article's reminder about DLQ permissions).
resource "aws_iam_role_policy" "send_failures" {
  name = "send-failed-events"
  role = aws_iam_role.fn.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "sqs:SendMessage"
      Resource = [aws_sqs_queue.dlq.arn, aws_sqs_queue.failures.arn]
    }]
  })
}

data "archive_file" "flaky" {
  type        = "zip"
  source_dir  = "${path.module}/../../../lambda_functions/flaky"
  output_path = "${path.module}/build/flaky.zip"
}

resource "aws_lambda_function" "fn" {
  function_name    = var.function_name
  role             = aws_iam_role.fn.arn
  handler          = "lambda_function.lambda_handler"
  runtime          = "python3.12"
  filename         = data.archive_file.flaky.output_path
  source_code_hash = data.archive_file.flaky.output_base64sha256

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }

  # Lambda checks that the role may send to the DLQ when the DLQ is set, so the policy must
  # exist first; nothing above refers to it, hence depends_on.
  depends_on = [aws_iam_role_policy.send_failures]
}

resource "aws_lambda_function_event_invoke_config" "fn" {
  function_name                = aws_lambda_function.fn.function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = 3600 # give up on events older than an hour

  destination_config {
    on_failure {
      destination = aws_sqs_queue.failures.arn
    }
  }
}

output "function_name" {
  value = aws_lambda_function.fn.function_name
}

output "dlq_url" {
  value = aws_sqs_queue.dlq.url
}

output "failures_url" {
  value = aws_sqs_queue.failures.url
}
