# The ecs-service module from HCL: a shop's API on Fargate, behind the alb module's load balancer, in the app
# subnets of the network module's VPC. Plans offline in the test suite (tests/terraform/test_module_examples.py).

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
  source = "../../dist/terraform-modules/alb"

  name           = "shop-staging"
  account_id     = "123456789012"
  vpc_id         = module.network.vpc_id
  subnet_ids     = module.network.public_subnet_ids
  domain_name    = "api.shop.example.com"
  hosted_zone_id = "Z0123456789ABCDEFGHIJ"
  target_port    = 3000
  target_type    = "ip"
}

module "ecs_service" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/ecs-service?ref=v0.1.0"
  source = "../../dist/terraform-modules/ecs-service"

  name                            = "shop-staging"
  account_id                      = "123456789012"
  vpc_id                          = module.network.vpc_id
  vpc_cidr                        = module.network.vpc_cidr
  subnet_ids                      = module.network.app_subnet_ids
  app_security_group_id           = module.network.app_security_group_id
  load_balancer_security_group_id = module.alb.security_group_id
  target_group_arn                = module.alb.target_group_arn
  port                            = 3000
  service_name                    = "api"
  image_tag                       = "v1.4.2"
  cpu                             = 1024
  memory                          = 3072
  min_count                       = 3
  max_count                       = 12
  log_retention_days              = 30
}

output "repository_url" {
  value = module.ecs_service.repository_url
}

output "task_role_name" {
  value = module.ecs_service.task_role_name
}
