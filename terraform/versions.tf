# Providers for the hands-on. The article pinned hashicorp/aws to exactly "5.0.0"; "~> 5.0"
# accepts any 5.x, so an offline provider mirror (or a newer download) still satisfies it.
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
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "aws" {
  region = var.region
}
