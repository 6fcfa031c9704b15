# The s3-bucket module from HCL: a bucket for a shop's product images, moved to Glacier Instant Retrieval
# after six months. Plans offline in the test suite (tests/terraform/test_module_examples.py).

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 6.0.0"
    }
  }
}

provider "aws" {
  region              = "eu-central-1"
  allowed_account_ids = ["123456789012"]
  default_tags {
    tags = {
      Project     = "shop"
      Environment = "staging"
    }
  }
}

module "s3_bucket" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/s3-bucket?ref=v0.1.0"
  source = "../../dist/terraform-modules/s3-bucket"

  name                               = "shop-staging"
  account_id                         = "123456789012"
  bucket_name                        = "shop-staging-images-123456789012"
  access_log_bucket_name             = "shop-staging-access-logs-123456789012"
  transition_storage_class           = "GLACIER_IR"
  transition_days                    = 180
  noncurrent_version_expiration_days = 30
}

output "bucket_name" {
  value = module.s3_bucket.bucket_name
}

output "kms_key_arn" {
  value = module.s3_bucket.kms_key_arn
}
