"""What the workload modules (asg-fleet, ecs-service) share: where the workload runs, how the load balancer reaches
it, how it scales, and its security group as the compute stack builds one per workload (a private helper: the
catalog skips files starting with `_`)."""

from __future__ import annotations

from publishing.modules.common import security_group_id, subnet_ids, whole_number
from publishing.modules.spec import ModuleVariable, Validation

TARGET_GROUP_ARN = r"arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]+"

VPC_CIDR = ModuleVariable(
    "vpc_cidr", "string",
    "IPv4 range of the VPC (the network module's `vpc_cidr`): DNS may go to its Amazon resolver (base address + 2) "
    "only, never to arbitrary resolvers (a classic exfiltration channel).",
    validations=[Validation("can(cidrhost(var.vpc_cidr, 2)) && can(regex(\"^[0-9.]+/[0-9]+$\", var.vpc_cidr))",
                            "vpc_cidr must be an IPv4 range such as \"10.42.0.0/16\"; fix: pass "
                            "module.network.vpc_cidr.")])

APP_SUBNETS = subnet_ids("subnet_ids", "Private app subnets, one per AZ (the network module's `app_subnet_ids`): "
                                       "the workload runs in all of them, with no public IP.")

APP_SECURITY_GROUP = security_group_id(
    "app_security_group_id", "The network's app-tier group (the network module's `app_security_group_id`), which "
                             "the workload joins besides its own: data stores admit its members only.")

LOAD_BALANCER_SECURITY_GROUP = security_group_id(
    "load_balancer_security_group_id", "Security group of the load balancer in front (the alb module's "
                                       "`security_group_id`): the workload admits it on port, and only it.")

PORT = whole_number("port", "Port the workload listens on, the load balancer's target port (the alb module's "
                            "target_port).", 1, 65535)


def target_cpu_percent(default: int = 50) -> ModuleVariable:
    return whole_number("target_cpu_percent", f"Average CPU the target-tracking policy keeps the workload at by "
                                              f"adding and removing capacity; default {default} %: headroom for "
                                              "a burst while new capacity starts.", 10, 90, default=default,
                        unit=" percent")


def sizes(minimum: str, maximum: str, what: str) -> list[ModuleVariable]:
    """The workload's capacity bounds; the module checks minimum <= maximum (preconditions)."""
    return [
        whole_number(minimum, f"Fewest {what} running; default 2, one per AZ in two AZs, so losing an AZ keeps the "
                              "workload up. 0 only for a workload that may be down.", 0, 1000, default=2),
        whole_number(maximum, f"Most {what} scaling may start; default 4; at least {minimum}.", 1, 1000, default=4),
    ]


def ordered(minimum: str, maximum: str) -> Validation:
    return Validation(f"var.{minimum} <= var.{maximum}",
                      f"{minimum} must not be above {maximum}; fix: raise {maximum} or lower {minimum}.")


def workload_security_group(scope, inputs, name: str, description: str):
    """The workload's own group (HTTPS and DNS out, like every workload of the compute stack) with ingress from
    the load balancer on the port (and the matching egress on the load balancer's group)."""
    from modules.firewall import WorkloadSecurityGroup, WorkloadSecurityGroupProps
    from modules.tokens import number_text

    group = WorkloadSecurityGroup(scope, "security-group", WorkloadSecurityGroupProps(
        name=name, description=description, vpc_id=inputs["vpc_id"], vpc_cidr=inputs["vpc_cidr"]))
    port = inputs["port"]
    group.admit("from-load-balancer", inputs["load_balancer_security_group_id"], port,
                f"From the load balancer on {number_text(port)}")
    return group
