# The cloudtrail module from HCL: the audit trail of a shop's production account in Frankfurt, its CIS security
# alarms notifying the account's existing alarm topic.
# Plans offline in the test suite (tests/terraform/test_module_examples.py).

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
      Environment = "prod"
    }
  }
}

module "cloudtrail" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/cloudtrail?ref=v0.1.0"
  source = "../../dist/terraform-modules/cloudtrail"

  name               = "shop-prod"
  account_id         = "123456789012"
  alarm_topic_arn    = "arn:aws:sns:eu-central-1:123456789012:shop-prod-alarms"
  log_retention_days = 731
}

output "trail_arn" {
  value = module.cloudtrail.trail_arn
}

output "bucket_name" {
  value = module.cloudtrail.bucket_name
}
