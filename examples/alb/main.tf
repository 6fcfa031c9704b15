# The alb module from HCL: a shop's HTTPS entry point with WAF, in the public subnets of the network module's VPC.
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

module "alb" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/alb?ref=v0.1.0"
  source = "../../dist/terraform-modules/alb"

  name              = "shop-staging"
  account_id        = "123456789012"
  vpc_id            = module.network.vpc_id
  subnet_ids        = module.network.public_subnet_ids
  domain_name       = "shop.example.com"
  alternative_names = ["www.shop.example.com"]
  hosted_zone_id    = "Z0123456789ABCDEFGHIJ"
  target_port       = 8080
  target_type       = "ip"
  health_check_path = "/healthz"
  tls_policy        = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
  waf_rate_limit    = 300
  # a staging load balancer may be torn down with the environment
  deletion_protection = false
}

output "dns_name" {
  value = module.alb.dns_name
}

output "target_group_arn" {
  value = module.alb.target_group_arn
}
