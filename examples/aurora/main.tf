# The aurora module from HCL: the game backend's cluster of a studio's production account in Frankfurt, in the
# network module's data subnets, reachable from its app tier only.
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
      Project     = "levels"
      Environment = "prod"
    }
  }
}

module "network" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/network?ref=v0.1.0"
  source = "../../dist/terraform-modules/network"

  name               = "levels-prod"
  account_id         = "123456789012"
  vpc_cidr           = "10.60.0.0/16"
  availability_zones = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
}

module "aurora" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/aurora?ref=v0.1.0"
  source = "../../dist/terraform-modules/aurora"

  name                     = "levels-prod-main"
  account_id               = "123456789012"
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.data_subnet_ids
  availability_zones       = module.network.availability_zones
  client_security_group_id = module.network.app_security_group_id

  database_name             = "levels"
  instance_class            = "db.r7g.large"
  max_readers               = 5
  reader_target_cpu_percent = 60
  backup_retention_days     = 21
}

output "writer_endpoint" {
  value = module.aurora.writer_endpoint
}

output "reader_endpoint" {
  value = module.aurora.reader_endpoint
}
