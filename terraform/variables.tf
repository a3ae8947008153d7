variable "region" {
  description = "AWS region (the article uses Tokyo)."
  type        = string
  default     = "ap-northeast-1"
}

variable "bucket_prefix" {
  description = "Start of the bucket name; a random suffix makes it globally unique."
  type        = string
  default     = "hands-on-bucket"
}

variable "function_name" {
  description = "Name of the Lambda function (its logs go to /aws/lambda/<name>)."
  type        = string
  default     = "s3_move_lambda_function"
}

variable "upload_prefix" {
  description = "Only objects under this prefix trigger the function."
  type        = string
  default     = "uploads/"
}
