# The report module from HCL: seed 000's daily sales report of a cafe in Frankfurt, reading the orders database
# of the rds module and mailing the owners at 07:30 Berlin time.
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
      Project     = "cafe"
      Environment = "prod"
    }
  }
}

module "network" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/network?ref=v0.1.0"
  source = "../../dist/terraform-modules/network"

  name               = "cafe-prod"
  account_id         = "123456789012"
  vpc_cidr           = "10.50.0.0/16"
  availability_zones = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
}

module "rds" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/rds?ref=v0.1.0"
  source = "../../dist/terraform-modules/rds"

  name                     = "cafe-prod-orders"
  account_id               = "123456789012"
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.data_subnet_ids
  client_security_group_id = module.network.app_security_group_id
  database_name            = "cafe"
}

module "report" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/report?ref=v0.1.0"
  source = "../../dist/terraform-modules/report"

  name                     = "cafe-prod-sales"
  account_id               = "123456789012"
  vpc_id                   = module.network.vpc_id
  vpc_cidr                 = module.network.vpc_cidr
  subnet_ids               = module.network.app_subnet_ids
  client_security_group_id = module.network.app_security_group_id

  database_endpoint       = module.rds.endpoint
  database_port           = module.rds.port
  database_name           = "cafe"
  database_secret_arn     = module.rds.master_user_secret_arn
  database_secret_key_arn = module.rds.kms_key_arn

  recipient_emails = ["owners@cafe-nimbus.example", "accounting@cafe-nimbus.example"]
  alarm_topic_arn  = "arn:aws:sns:eu-central-1:123456789012:cafe-prod-alarms"
  time_zone        = "Europe/Berlin"
  hour             = 7
  minute           = 30
  currency         = "EUR"
  brand            = "Cafe Nimbus"
}

output "report_topic_arn" {
  value = module.report.topic_arn
}
