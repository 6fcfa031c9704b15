# The alarms module from HCL: the on-call alarms of a shop's load balancer and PostgreSQL database, to the team's
# mail and chat. Plans offline in the test suite (tests/terraform/test_module_examples.py).

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

module "alarms" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/alarms?ref=v0.1.0"
  source = "../../dist/terraform-modules/alarms"

  name                  = "shop-staging"
  account_id            = "123456789012"
  alarm_emails          = ["oncall@shop.example.com", "platform@shop.example.com"]
  alarm_https_endpoints = ["https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue"]
  # the alb module's load_balancer_arn_suffix and target_group_arn_suffix, the rds module's identifier
  load_balancer_arn_suffix      = "app/shop-staging/50dc6c495c0c9188"
  target_group_arn_suffix       = "targetgroup/shop-staging-app/73e2d6bc24d8a067"
  database_identifier           = "shop-staging-orders"
  database_engine               = "postgres"
  database_instance_class       = "db.r6g.large"
  database_allocated_storage_gb = 200
  http_5xx_percent              = 5
  latency_p95_seconds           = 1.5
  database_connections_percent  = 70
}

output "topic_arn" {
  value = module.alarms.topic_arn
}

output "alarm_names" {
  value = module.alarms.alarm_names
}
