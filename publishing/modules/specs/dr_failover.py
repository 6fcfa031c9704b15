"""The `dr-failover` module: modules.failover.FailoverOrchestrator, the DR orchestrator of the failover stack with
its Route 53 health-check trigger, for a warm standby with a cross-region read replica and Auto Scaling groups;
the Lambda code ships in the module's assets/."""

from __future__ import annotations

from dataclasses import replace

from publishing.modules.common import (
    ACCOUNT_ID,
    NAME,
    VPC_ID,
    email_addresses,
    kms_key_arn,
    matches,
    region_and_partition,
    subnet_ids,
    whole_number,
)
from publishing.modules.spec import ModuleOutput, ModuleSpec, ModuleVariable, Validation

ALIAS = "us_east_1"
"""The caller's provider for us-east-1, where Route 53 publishes health-check metrics: `aws.us_east_1`."""
REGION = r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}"
"""lambda_src/dr_failover/config.py's REGION_RE."""
SSM_NAME = r"/[a-zA-Z0-9_./-]+"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TARGET_GROUP_ARN = r"arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]+"


def _pattern(name: str, pattern: str, description: str, rule: str) -> ModuleVariable:
    """A required string variable matching `pattern`; `rule` says what it must be and how to fix it."""
    return ModuleVariable(name, "string", description, validations=[
        Validation(matches(f"var.{name}", pattern), f"{name} must be {rule}.")])


VARIABLES = [
    replace(NAME, description="Name of the environment failed over, e.g. 'shop-prod': the health alarm is "
            "'<name>-primary-down', the standby's resources are named '<name>-dr-...'. Lower-case letters, digits "
            "and hyphens, 3 to 24 characters."),
    ACCOUNT_ID,
    _pattern("primary_region", REGION, "The primary's region, failed over FROM (the provider's region is the "
             "standby's, where the orchestrator runs).", "a region name such as \"eu-central-1\"; fix: give the "
             "primary's region, not the standby's"),
    VPC_ID,
    ModuleVariable(
        "vpc_cidr", "string", "IPv4 range of the standby VPC (the network module's `vpc_cidr`): the orchestrator's "
        "DNS goes to its resolver only.",
        validations=[Validation("can(cidrhost(var.vpc_cidr, 2))",
                                "vpc_cidr must be an IPv4 CIDR such as \"10.43.0.0/16\"; fix: pass "
                                "module.network.vpc_cidr.")]),
    subnet_ids("subnet_ids", "The standby network's private app subnets (its `app_subnet_ids`), with a way to the "
               "AWS APIs (NAT gateways): the orchestrator runs there."),
    _pattern("health_check_id", UUID,
             "The primary's Route 53 health check (on its load balancer): its alarm in us-east-1 starts the "
             "failover.", "a Route 53 health check id (a UUID); fix: pass aws_route53_health_check.<name>.id"),
    whole_number("min_outage_seconds", "How long the primary must have been down (the alarm in ALARM) before the "
                 "orchestrator fails over: a flap guard. Default 120.", 0, 3600, default=120, unit=" seconds"),
    email_addresses("timeline_emails", "Who reads each failover's timeline (every step, sent from the standby "
                    "region), e.g. the on-call list; each address must confirm its SNS subscription."),
    _pattern("replica_identifier", r"[a-z][a-z0-9-]{0,62}",
             "RDS identifier of the standby's cross-region read replica, which the failover promotes (and makes "
             "Multi-AZ).", "a DB instance identifier, not its ARN or endpoint; fix: e.g. \"shop-prod-dr-orders\""),
    whole_number("database_backup_retention_days", "The primary database's backup retention: the promoted "
                 "replica (which keeps no backups) gets it.", 1, 35, default=7, unit=" days"),
    _pattern("active_region_parameter_name", SSM_NAME, "SSM parameter (standby region) the application reads its "
             "active region from; the failover sets it to the standby's.",
             "an SSM parameter name starting with /; fix: e.g. \"/shop/prod/data/dr/active_region\""),
    _pattern("database_endpoint_parameter_name", SSM_NAME, "SSM parameter (standby region) holding the database "
             "host; the failover writes the promoted replica's endpoint there.",
             "an SSM parameter name starting with /; fix: e.g. \"/shop/prod/data/database/orders/endpoint\""),
    kms_key_arn("parameters_kms_key_arn", "KMS key of those (SecureString) parameters: the orchestrator may use it "
                "through SSM only."),
    ModuleVariable(
        "asg_fleets", "list(object({ name = string, min = number, desired = number, max = number }))",
        "The standby's Auto Scaling groups, kept small until the failover raises each to the primary's "
        "capacity: [{ name, min, desired, max }].",
        validations=[
            Validation("length(var.asg_fleets) >= 1",
                       "asg_fleets must list at least one Auto Scaling group (this module's shape); fix: list the "
                       "standby's groups, or build modules.failover from Python for ECS services."),
            Validation("alltrue([for f in var.asg_fleets : f.min >= 0 && f.min <= f.desired && f.desired <= f.max])",
                       "asg_fleets needs 0 <= min <= desired <= max in every entry; fix: correct the sizes of the "
                       "entry that breaks it.")]),
    ModuleVariable(
        "target_group_arns", "list(string)",
        "The standby load balancer's target groups: the failover waits for their targets to be healthy before "
        "switching DNS.",
        validations=[Validation(
            f"alltrue([for arn in var.target_group_arns : {matches('arn', TARGET_GROUP_ARN)}])",
            "target_group_arns must hold target group ARNs (arn:aws:elasticloadbalancing:<standby region>:<account>:"
            "targetgroup/<name>/<id>); fix: pass the alb module's target group ARNs.")]),
    _pattern("hosted_zone_id", r"Z[0-9A-Z]{1,31}", "Route 53 hosted zone of the failover record pair.",
             "a hosted zone id like Z0123456789ABC; fix: pass the zone's `zone_id`"),
    _pattern("record_name", r"[a-z0-9.-]+", "The failover record's name (PRIMARY and SECONDARY records), "
             "e.g. \"shop.example.com\".", "a DNS name such as \"shop.example.com\"; fix: lower case, no scheme"),
    _pattern("standby_dns_name", r"[a-z0-9.-]+", "DNS name of the standby load balancer (the SECONDARY record's "
             "target).", "a load balancer DNS name; fix: pass the alb module's `dns_name`"),
    _pattern("gate_health_check_id", UUID,
             "The calculated health check ('the gate') on the PRIMARY record, which the failover pins unhealthy "
             "so Route 53 answers with the SECONDARY.", "a Route 53 health check id (a UUID); fix: pass the gate's id"),
]


def build(scope, inputs):
    from cdktf import Fn, Op, TerraformLocal, Token
    from cdktf_cdktf_provider_aws.data_aws_region import DataAwsRegion
    from cdktf_cdktf_provider_aws.provider import AwsProvider

    from modules.failover import HEALTH_ALARM_REGION, FailoverOrchestrator, FailoverOrchestratorProps, permissions
    from stacks.failover import staged_dr_failover

    region, partition = region_and_partition(scope)
    name, account = inputs["name"], inputs["account_id"]
    alarm_provider = AwsProvider(scope, "aws-us-east-1", alias=ALIAS)  # the caller's; configures nothing here
    alarm_region = DataAwsRegion(scope, "alarm-region", provider=alarm_provider)

    def arn(service: str, resource: str, where: str = region, owner: str = account) -> str:
        return f"arn:{partition}:{service}:{where}:{owner}:{resource}"

    # FLEETS and the groups' ARNs from the list variable, by Terraform (Python cannot loop over it)
    fleets = TerraformLocal(scope, "fleets", "${[for f in var.asg_fleets : merge(f, { kind = \"asg\" })]}")
    group_names = TerraformLocal(scope, "asg_group_names", "${var.asg_fleets[*].name}")
    group_arns = Fn.formatlist(arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/%s"), [group_names.as_list])
    parameters = {"active_region": inputs["active_region_parameter_name"],
                  "database_endpoint": inputs["database_endpoint_parameter_name"]}
    replica = inputs["replica_identifier"]
    orchestrator = FailoverOrchestrator(scope, FailoverOrchestratorProps(
        name_prefix=f"{name}-dr", environment_name=name, primary_region=inputs["primary_region"], region=region,
        account_id=account, code_dir=staged_dr_failover(), vpc_id=inputs["vpc_id"], vpc_cidr=inputs["vpc_cidr"],
        subnet_ids=inputs["subnet_ids"], health_check_id=inputs["health_check_id"],
        min_outage_seconds=inputs["min_outage_seconds"], alarm_provider=alarm_provider,
        contract={
            "DATABASE": Fn.jsonencode({"kind": "instance", "identifier": replica, "multi_az": True,
                                       "backup_retention_days": inputs["database_backup_retention_days"]}),
            "PARAMETERS": Fn.jsonencode(parameters),
            "FLEETS": Fn.jsonencode(fleets.expression),
            "TARGET_GROUP_ARNS": Fn.jsonencode(inputs["target_group_arns"]),
            "DNS": Fn.jsonencode({"zone_id": inputs["hosted_zone_id"], "record_name": inputs["record_name"],
                                  "standby_dns_name": inputs["standby_dns_name"],
                                  "gate_health_check_id": inputs["gate_health_check_id"]})},
        statements=[
            permissions.promote_replica(arn("rds", f"db:{replica}"), multi_az=True),
            *permissions.set_parameters([arn("ssm", f"parameter{p}") for p in parameters.values()],
                                        inputs["parameters_kms_key_arn"], region),
            *permissions.scale_groups(Token.as_list(group_arns)),
            *permissions.switch_dns(arn("route53", f"healthcheck/{inputs['gate_health_check_id']}", "", ""),
                                    arn("route53", f"hostedzone/{inputs['hosted_zone_id']}", "", ""))],
        emails=inputs["timeline_emails"], partition=partition))
    # Route 53's metrics exist in us-east-1 only: an alarm anywhere else has no data, which counts as down.
    orchestrator.alarm.add_override("lifecycle.precondition", [{
        "condition": Op.eq(alarm_region.name, HEALTH_ALARM_REGION),
        "error_message": f"The provider passed as aws.{ALIAS} must be in {HEALTH_ALARM_REGION} (Route 53 publishes "
                         "health-check metrics there only; elsewhere the alarm would see no data and fail over); "
                         f"fix: providers = {{ aws = aws, aws.{ALIAS} = <a provider with region = "
                         f"\"{HEALTH_ALARM_REGION}\"> }}."}])
    orchestrator.function.function.add_override("lifecycle.precondition", [{
        "condition": Op.neq(inputs["primary_region"], region),
        "error_message": "primary_region equals the provider's region, but the orchestrator runs in the standby "
                         "region; fix: configure the default provider for the standby region."}])
    return {
        "orchestrator_function_name": ModuleOutput(orchestrator.function.name,
                                                   "The orchestrator: invoke with {\"dry_run\": true} to rehearse"),
        "orchestrator_function_arn": ModuleOutput(orchestrator.function.arn, "ARN of the orchestrator"),
        "timeline_topic_arn": ModuleOutput(orchestrator.timeline.arn,
                                           "SNS topic (standby region) each failover's timeline is reported to"),
        "trigger_alarm_name": ModuleOutput(orchestrator.alarm.alarm_name,
                                           "CloudWatch alarm (us-east-1) on the primary's Route 53 health check"),
        "trigger_topic_arn": ModuleOutput(orchestrator.trigger_topic_arn,
                                          "SNS topic (us-east-1) the alarm notifies and the orchestrator listens on"),
        "dead_letter_queue_name": ModuleOutput(orchestrator.dead_letter_queue.name,
                                               "Failover invocations that failed after Lambda's retries (alarmed)"),
        "security_group_id": ModuleOutput(orchestrator.group.id, "The orchestrator's group (HTTPS out, DNS)"),
        "kms_key_arn": ModuleOutput(orchestrator.key.arn, "Key of its settings, logs, timeline and dead letters"),
    }


SPEC = ModuleSpec(
    name="dr-failover",
    construct="modules.failover.FailoverOrchestrator",
    summary=(
        "The DR failover orchestrator of a warm standby, in the standby region: a Lambda function "
        "(lambda_src/dr_failover, shipped in the module's `assets/`) that, once the primary has been down for "
        "min_outage_seconds, promotes the standby's cross-region read replica (and makes it Multi-AZ), points "
        "the SSM parameters at the standby, raises its Auto Scaling groups to the primary's capacity, waits for "
        "healthy targets and pins the Route 53 gate so DNS answers with the standby, reporting every step to a "
        "timeline topic. It is started by a CloudWatch alarm on the primary's Route 53 health check in "
        "us-east-1 (where Route 53 publishes its metrics) through an encrypted SNS topic there. Least-privilege "
        "role (exactly those resources), reserved concurrency 1, two retries, then an encrypted dead-letter "
        "queue; its errors and dead letters alarm on the timeline topic."),
    variables=VARIABLES,
    build=build,
    fixed=(
        "The trigger is automatic (the stack's dr.automatic=false leaves the alarm without action: build "
        "modules.failover from Python).",
        "The database is a cross-region read replica, promoted and made Multi-AZ (an Aurora global database, "
        "or none, is modules.failover with permissions.detach_aurora from Python).",
        "Auto Scaling groups only, at least one; no ECS services and no EFS replicas (permissions.scale_services "
        "and detach_file_systems from Python).",
    ),
    notes=(
        f"Pass two providers: `providers = {{ aws = aws, aws.{ALIAS} = aws.us_east_1 }}`, the default one in the "
        "standby region and one in us-east-1 (checked at plan time).",
        "The primary's health check, the failover record pair and its gate are the primary's (the stack's edge "
        "layer); the replica, parameters, groups and target groups are the standby's.",
        "Rehearse with `aws lambda invoke --function-name <orchestrator_function_name> --payload "
        "'{\"dry_run\": true}'`.",
    ),
)
