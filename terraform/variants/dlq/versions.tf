terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "ap-northeast-1"
}

variable "function_name" {
  type    = string
  default = "flaky_mailer"
}

variable "maximum_retry_attempts" {
  description = "Retries after the first failed attempt (0, 1 or 2; AWS's default is 2)."
  type        = number
  default     = 2
}
