# The asg-fleet module from HCL: a shop's web servers on EC2, behind the alb module's load balancer, in the app
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
  domain_name    = "shop.example.com"
  hosted_zone_id = "Z0123456789ABCDEFGHIJ"
  target_port    = 8080
}

module "asg_fleet" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/asg-fleet?ref=v0.1.0"
  source = "../../dist/terraform-modules/asg-fleet"

  name                            = "shop-staging-web"
  account_id                      = "123456789012"
  vpc_id                          = module.network.vpc_id
  vpc_cidr                        = module.network.vpc_cidr
  subnet_ids                      = module.network.app_subnet_ids
  app_security_group_id           = module.network.app_security_group_id
  load_balancer_security_group_id = module.alb.security_group_id
  target_group_arns               = [module.alb.target_group_arn]
  port                            = 8080
  image_id                        = "ami-0a1b2c3d4e5f67890"
  instance_type                   = "m7i.large"
  min_size                        = 3
  max_size                        = 9
  target_cpu_percent              = 60
  root_volume_gb                  = 30
  user_data                       = <<-EOT
    #!/bin/bash
    systemctl enable --now shop-web
  EOT
}

output "group_name" {
  value = module.asg_fleet.group_name
}

output "role_name" {
  value = module.asg_fleet.role_name
}
