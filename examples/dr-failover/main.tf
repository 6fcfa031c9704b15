# The dr-failover module from HCL: the failover orchestrator of a shop whose primary runs in Frankfurt and whose
# warm standby waits in Ireland. The default provider is the standby's region; a second provider in us-east-1
# carries the alarm on the primary's Route 53 health check (Route 53 publishes its metrics there only).
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
  region              = "eu-west-1"
  allowed_account_ids = ["123456789012"]
  default_tags {
    tags = {
      Project     = "shop"
      Environment = "prod"
      Site        = "standby"
    }
  }
}

provider "aws" {
  alias               = "us_east_1"
  region              = "us-east-1"
  allowed_account_ids = ["123456789012"]
  default_tags {
    tags = {
      Project     = "shop"
      Environment = "prod"
      Site        = "standby"
    }
  }
}

module "network" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/network?ref=v0.1.0"
  source = "../../dist/terraform-modules/network"

  name               = "shop-prod-dr"
  account_id         = "123456789012"
  vpc_cidr           = "10.43.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

module "dr_failover" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/dr-failover?ref=v0.1.0"
  source = "../../dist/terraform-modules/dr-failover"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name           = "shop-prod"
  account_id     = "123456789012"
  primary_region = "eu-central-1"
  vpc_id         = module.network.vpc_id
  vpc_cidr       = module.network.vpc_cidr
  subnet_ids     = module.network.app_subnet_ids

  health_check_id    = "8c4f6b2a-1d3e-4f5a-9b6c-7d8e9f0a1b2c"
  min_outage_seconds = 300
  timeline_emails    = ["oncall@shop.example", "cto@shop.example"]

  replica_identifier             = "shop-prod-dr-orders"
  database_backup_retention_days = 14

  active_region_parameter_name     = "/shop/prod/data/dr/active_region"
  database_endpoint_parameter_name = "/shop/prod/data/database/orders/endpoint"
  parameters_kms_key_arn           = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

  asg_fleets = [
    { name = "shop-prod-dr-web", min = 2, desired = 2, max = 6 },
    { name = "shop-prod-dr-worker", min = 1, desired = 1, max = 3 },
  ]
  target_group_arns = ["arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-prod-dr-web/0123456789abcdef"]

  hosted_zone_id       = "Z0SHOPEXAMPLE"
  record_name          = "shop.example.com"
  standby_dns_name     = "shop-prod-dr-lb-1234567890.eu-west-1.elb.amazonaws.com"
  gate_health_check_id = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
}

output "orchestrator_function_name" {
  value = module.dr_failover.orchestrator_function_name
}

output "timeline_topic_arn" {
  value = module.dr_failover.timeline_topic_arn
}
