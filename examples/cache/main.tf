# The cache module from HCL: a Valkey cache for a shop's sessions, in the data subnets of the network module's VPC.
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
      Environment = "staging"
    }
  }
}

module "network" {
  source = "../../dist/terraform-modules/network"

  name               = "shop-staging"
  account_id         = "123456789012"
  vpc_cidr           = "10.42.0.0/16"
  availability_zones = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
}

module "cache" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/cache?ref=v0.1.0"
  source = "../../dist/terraform-modules/cache"

  name                     = "shop-staging-sessions"
  account_id               = "123456789012"
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.data_subnet_ids
  client_security_group_id = module.network.app_security_group_id
  node_type                = "cache.r7g.large"
  replicas                 = 2
  snapshot_retention_days  = 14
  maintenance_window       = "mon:03:30-mon:04:30"
}

output "primary_endpoint" {
  value = module.cache.primary_endpoint
}

output "connect_policy_json" {
  value = module.cache.connect_policy_json
}
