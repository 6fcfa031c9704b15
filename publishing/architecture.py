"""Architecture model of one synthesized environment: components, tiers, regions and data flow.

Read from the synthesized Terraform JSON (platform.json and every stack's cdk.tf.json), never from the
configuration, so a picture drawn from it shows what would be deployed. Resources are aggregated into one
component per kind, tier and region ("ECS Fargate: 6 services", "NAT gateway x2"); flows come from the
references between resources (DNS alias -> CloudFront -> ALB -> target groups, security-group rules with
their ports, IAM policies, notifications, replication). Pure Python: publishing/diagrams.py draws it.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INTERNET, EDGE, PUBLIC, APP, DATA, SERVICES, OPS = "internet", "edge", "public", "app", "data", "services", "ops"
VPC_TIERS = (PUBLIC, APP, DATA)
"""Tiers inside a VPC; they match the subnets' Tier tags written by the network module."""
REGIONAL_TIERS = (*VPC_TIERS, SERVICES)
"""Tiers drawn inside their region's cluster; EDGE and OPS are global (CloudFront, Route 53, the account)."""

REQUEST, ACCESS, EVENT, REPLICATION = "request", "access", "event", "replication"
"""Flow styles: user traffic, app -> data (network path or IAM grant), notifications, cross-site copies."""

_RESOURCE_REF = re.compile(r"(?<![\w.])(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)")
_REMOTE_REF = re.compile(r"data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_]+)")
_POLICY_REF = re.compile(r"data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json")
_IGNORED_KEYS = frozenset({"//", "depends_on", "lifecycle", "tags", "provider"})
"""Keys whose strings are not data references (metadata, ordering, labels)."""
_ACCOUNT_SUFFIX = re.compile(r"-\d{12}(-[a-z]{2}(-gov)?-[a-z]+-\d)?$")
"""Bucket names end in -<account id>[-<region>]; the purpose is what comes before."""

ENGINES = {"mysql": "MySQL", "postgres": "PostgreSQL", "mariadb": "MariaDB", "aurora-mysql": "Aurora MySQL",
           "aurora-postgresql": "Aurora PostgreSQL", "valkey": "Valkey", "redis": "Redis"}
"""Display names of engine identifiers; anything else is shown as written."""


@dataclass(frozen=True)
class Resource:
    stack: str
    type: str
    name: str
    body: dict[str, Any] = field(compare=False, repr=False)
    region: str = field(compare=False)
    layer: str = field(compare=False)


@dataclass
class Component:
    """One node of the picture: every resource of one kind in one tier of one region (region None: global)."""

    kind: str
    tier: str
    region: str | None
    members: list[Resource] = field(default_factory=list)
    title: str = ""
    facts: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.region or 'global'}/{self.tier}/{self.kind}"

    @property
    def label(self) -> str:
        return "\n".join([self.title, *self.facts])


@dataclass(frozen=True)
class Flow:
    source: str
    target: str
    style: str
    label: str = ""


@dataclass(frozen=True)
class Vpc:
    cidr: str
    zones: tuple[str, ...]
    subnets: dict[str, int]
    """Subnet count per tier (public, app, data)."""
    endpoints: int


@dataclass(frozen=True)
class Region:
    name: str
    role: str
    """primary, standby (a second site's stacks run there) or secondary (replicas only)."""
    vpc: Vpc | None


@dataclass
class Architecture:
    blueprint: str
    environment: str
    regions: list[Region]
    components: list[Component]
    flows: list[Flow]
    stacks: int
    resources: int

    def of_kind(self, kind: str) -> list[Component]:
        return [c for c in self.components if c.kind == kind]


class Inventory:
    """Every resource of every stack of one synthesized environment, and the references between them."""

    def __init__(self, outdir: Path):
        self.manifest = json.loads((outdir / "platform.json").read_text())
        self.prefix: str = self.manifest["name_prefix"]
        self.documents: dict[str, dict[str, Any]] = {}
        self.stack_by_state_key: dict[str, str] = {}
        self.resources: dict[tuple[str, str, str], Resource] = {}
        for stack in self.manifest["stacks"]:
            name = stack["name"]
            document = json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text())
            self.documents[name] = document
            if stack.get("state_key"):
                self.stack_by_state_key[stack["state_key"]] = name
            regions = _provider_regions(document)
            for rtype, instances in sorted(document.get("resource", {}).items()):
                for rname, body in sorted(instances.items()):
                    alias = str(body.get("provider", "aws")).partition(".")[2]
                    self.resources[(name, rtype, rname)] = Resource(
                        name, rtype, rname, body, regions[alias], stack["layer"])
        self._references: dict[Resource, tuple[Resource, ...]] = {}

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type in types]

    @property
    def site_regions(self) -> dict[str, str]:
        """site (primary, standby) -> the region its stacks run in (their default provider)."""
        regions: dict[str, str] = {}
        for stack in self.manifest["stacks"]:
            regions.setdefault(stack["site"], _provider_regions(self.documents[stack["name"]])[""])
        return regions

    def references(self, resource: Resource) -> tuple[Resource, ...]:
        """Resources this one's arguments point to, across stacks (remote state outputs) and through IAM
        policy documents (their statements' resources only: that is what a policy grants)."""
        if resource not in self._references:
            self._references[resource] = tuple(self.refs_in(resource.stack, _data_fields(resource.body)))
        return self._references[resource]

    def refs_in(self, stack: str, value: Any, seen: frozenset[tuple[str, str]] = frozenset()) -> list[Resource]:
        """Resources referenced by the strings in `value`, an argument of a resource of `stack`."""
        found: dict[Resource, None] = {}
        for text in _strings(value):
            for rtype, rname in _RESOURCE_REF.findall(text):
                if (target := self.resources.get((stack, rtype, rname))) is not None:
                    found[target] = None
            for remote, output in _REMOTE_REF.findall(text):
                if (stack, remote + "." + output) in seen:
                    continue
                source_stack, output_value = self._remote_output(stack, remote, output)
                if source_stack:
                    found.update(dict.fromkeys(
                        self.refs_in(source_stack, output_value, seen | {(stack, remote + "." + output)})))
            granted = [s.get("resources", []) for s in self.statements(stack, text)]
            found.update(dict.fromkeys(self.refs_in(stack, granted, seen)))
        return list(found)

    def statements(self, stack: str, value: Any) -> list[dict[str, Any]]:
        """The statements of the IAM policy documents `value` (an argument of a resource of `stack`) names."""
        documents = self.documents[stack].get("data", {}).get("aws_iam_policy_document", {})
        return [s for text in _strings(value) for policy in _POLICY_REF.findall(text)
                for s in documents.get(policy, {}).get("statement", [])]

    def _remote_output(self, stack: str, remote: str, output: str) -> tuple[str | None, Any]:
        config = self.documents[stack].get("data", {}).get("terraform_remote_state", {}).get(remote, {})
        source = self.stack_by_state_key.get(config.get("config", {}).get("key", ""))
        if source is None:
            return None, None
        return source, self.documents[source].get("output", {}).get(output, {}).get("value")

    def short(self, name: str) -> str:
        """A resource name without the environment's prefix: 'web' for 'notebookly-prod-web'."""
        return name.removeprefix(self.prefix + "-")


def _provider_regions(document: dict[str, Any]) -> dict[str, str]:
    """alias ('' for the default provider) -> region."""
    return {p.get("alias", ""): p["region"] for p in document.get("provider", {}).get("aws", [])}


def _data_fields(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in _IGNORED_KEYS}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in _IGNORED_KEYS:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# --- which component a resource belongs to -------------------------------------------------------------

def _subnet_tier(inv: Inventory, resource: Resource, field_name: str, default: str) -> str:
    """The Tier tag of the subnets an argument (vpc_zone_identifier, subnets) points to."""
    tiers = {s.body.get("tags", {}).get("Tier") for s in inv.refs_in(resource.stack, resource.body.get(field_name))
             if s.type == "aws_subnet"}
    return tiers.pop() if len(tiers) == 1 and None not in tiers else default


def _log_buckets(inv: Inventory) -> set[Resource]:
    """Buckets that hold logs: the target of S3 access logging, load balancer logs, a trail or CloudFront's log
    delivery, one whose policy lets an AWS service write into it (log delivery), and their replicas."""
    found: set[Resource] = set()
    for policy in inv.of_type("aws_s3_bucket_policy"):
        statements = inv.statements(policy.stack, policy.body.get("policy"))
        if any(p.get("type") == "Service" and "s3:PutObject" in s.get("actions", [])
               for s in statements if s.get("effect", "Allow") == "Allow" for p in s.get("principals", [])):
            found.update(inv.refs_in(policy.stack, policy.body.get("bucket")))
    for resource in inv.of_type("aws_s3_bucket_logging"):
        found.update(inv.refs_in(resource.stack, resource.body.get("target_bucket")))
    for resource in inv.of_type("aws_lb"):
        found.update(inv.refs_in(resource.stack, resource.body.get("access_logs")))
    for resource in inv.of_type("aws_cloudtrail"):
        found.update(inv.refs_in(resource.stack, resource.body.get("s3_bucket_name")))
    for resource in inv.of_type("aws_cloudwatch_log_delivery_destination"):
        found.update(inv.refs_in(resource.stack, resource.body.get("delivery_destination_configuration")))
    replicas = {d for r in inv.of_type("aws_s3_bucket_replication_configuration")
                if set(inv.refs_in(r.stack, r.body.get("bucket"))) & found for d in _replica_buckets(inv, r)}
    return {b for b in found | replicas if b.type == "aws_s3_bucket"}


def _replica_buckets(inv: Inventory, replication: Resource) -> list[Resource]:
    """The destination buckets of an S3 replication configuration's rules."""
    destinations = [rule.get("destination", {}).get("bucket") for rule in replication.body.get("rule", [])]
    return [b for b in inv.refs_in(replication.stack, destinations) if b.type == "aws_s3_bucket"]


_PLACES: dict[str, tuple[str, str]] = {
    "aws_route53_record": (EDGE, "dns"), "aws_route53_health_check": (EDGE, "dns"),
    "aws_route53_zone": (EDGE, "dns"), "aws_cloudfront_distribution": (EDGE, "cdn"),
    "aws_lb": (PUBLIC, "alb"), "aws_nat_gateway": (PUBLIC, "nat"), "aws_internet_gateway": (PUBLIC, "nat"),
    "aws_ecs_service": (APP, "ecs"), "aws_db_instance": (DATA, "rds"), "aws_db_proxy": (DATA, "rds-proxy"),
    "aws_rds_cluster": (DATA, "aurora"), "aws_rds_cluster_instance": (DATA, "aurora"),
    "aws_elasticache_replication_group": (DATA, "cache"), "aws_efs_file_system": (DATA, "efs"),
    "aws_efs_mount_target": (DATA, "efs"), "aws_efs_replication_configuration": (DATA, "efs"),
    "aws_sqs_queue": (SERVICES, "sqs"), "aws_secretsmanager_secret": (SERVICES, "secrets"),
    "aws_ssm_parameter": (SERVICES, "ssm"), "aws_ecr_repository": (SERVICES, "ecr"),
    "aws_imagebuilder_image_pipeline": (SERVICES, "image-builder"),
    "aws_scheduler_schedule": (SERVICES, "scheduler"),
    "aws_cloudwatch_metric_alarm": (OPS, "cloudwatch"), "aws_cloudwatch_log_metric_filter": (OPS, "cloudwatch"),
    "aws_cloudwatch_log_group": (OPS, "cloudwatch"), "aws_flow_log": (OPS, "cloudwatch"),
    "aws_sns_topic": (OPS, "sns"), "aws_cloudwatch_dashboard": (OPS, "dashboard"),
    "aws_cloudtrail": (OPS, "cloudtrail"), "aws_backup_plan": (OPS, "backup"), "aws_backup_vault": (OPS, "backup"),
    "aws_backup_restore_testing_plan": (OPS, "backup"), "aws_guardduty_detector": (OPS, "guardduty"),
    "aws_budgets_budget": (OPS, "budget"), "aws_kms_key": (OPS, "kms"),
    "aws_iam_openid_connect_provider": (OPS, "iam"), "aws_iam_account_password_policy": (OPS, "iam"),
}
"""resource type -> (tier, kind) for the types whose place does not depend on their arguments."""


def _placement(inv: Inventory) -> Callable[[Resource], tuple[str, str] | None]:
    """resource -> (tier, kind), or None for what the picture leaves out (IAM plumbing, rules, aliases)."""
    log_buckets = _log_buckets(inv)

    def waf(r: Resource) -> tuple[str, str]:
        return (EDGE, "waf") if r.body.get("scope") == "CLOUDFRONT" else (PUBLIC, "waf")

    def fleet(r: Resource) -> tuple[str, str]:
        return _subnet_tier(inv, r, "vpc_zone_identifier", APP), "ec2"

    def function(r: Resource) -> tuple[str, str]:
        return (APP, "lambda") if r.body.get("vpc_config") else (SERVICES, "lambda")

    def bucket(r: Resource) -> tuple[str, str]:
        if r.layer == "state":
            return OPS, "state"
        return (OPS, "log-archive") if r in log_buckets else (SERVICES, "s3")

    computed: dict[str, Callable[[Resource], tuple[str, str]]] = {
        "aws_wafv2_web_acl": waf, "aws_autoscaling_group": fleet, "aws_lambda_function": function,
        "aws_s3_bucket": bucket,
    }

    def place(resource: Resource) -> tuple[str, str] | None:
        if resource.type in computed:
            return computed[resource.type](resource)
        return _PLACES.get(resource.type)

    return place


def _region_of(resource: Resource) -> str:
    """Where a resource is drawn: an EFS replication configuration belongs to its destination's region."""
    if resource.type == "aws_efs_replication_configuration":
        return str(resource.body.get("destination", {}).get("region", resource.region))
    return resource.region


def _components(inv: Inventory) -> dict[tuple[str | None, str, str], Component]:
    place = _placement(inv)
    components: dict[tuple[str | None, str, str], Component] = {}
    for resource in inv.resources.values():
        placed = place(resource)
        if placed is None:
            continue
        tier, kind = placed
        region = _region_of(resource) if tier in REGIONAL_TIERS else None
        components.setdefault((region, tier, kind), Component(kind, tier, region)).members.append(resource)
    return components


# --- labels: title and facts from the members' arguments ------------------------------------------------

def _times(name: str, count: int) -> str:
    return name if count == 1 else f"{name} x{count}"


def _wrap(items: Iterable[str], per_line: int = 3) -> list[str]:
    items = list(items)
    return [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]


def _plural(count: int, noun: str, plural: str = "") -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {plural or noun + 's'}"


def _of(component: Component, *types: str) -> list[Resource]:
    return [m for m in component.members if m.type in types]


def _major_version(version: Any) -> str:
    match = re.match(r"\d+(\.\d+)?", str(version or ""))
    return match.group(0) if match else ""


def _label_dns(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    records = _of(c, "aws_route53_record")
    names = sorted({str(r.body["name"]) for r in records if "${" not in str(r.body.get("name", ""))})
    checks = _of(c, "aws_route53_health_check")
    facts = [f"{_plural(len(names), 'name')} under {_common_suffix(names)}" if names else "no records",
             _plural(len(checks), "health check")]
    if any(r.body.get("failover_routing_policy") for r in records):
        facts.append("failover routing")
    return "Route 53", facts


def _common_suffix(names: list[str]) -> str:
    """The domain every name is in: 'saas.example.com' for saas.example.com and api.saas.example.com."""
    shared: list[str] = []
    for labels in zip(*(n.split(".")[::-1] for n in names), strict=False):
        if len(set(labels)) > 1:
            break
        shared.append(labels[0])
    return ".".join(reversed(shared))


def _label_cdn(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    aliases = sorted(a for d in c.members for a in d.body.get("aliases", []))
    return _times("CloudFront", len(c.members)), _wrap(aliases, 1)


def _label_waf(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    scope = "CloudFront" if c.tier == EDGE else "regional"
    rules = sorted({r["name"] for acl in c.members for r in acl.body.get("rule", [])})
    managed = [r for r in rules if r.startswith("AWSManagedRules")]
    facts = [_plural(len(rules), "rule")]
    if managed:
        facts.append(f"{len(managed)} AWS managed groups")
    return _times(f"WAF ({scope})", len(c.members)), facts


def _label_alb(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    listeners = [r for r in inv.of_type("aws_lb_listener") if set(inv.references(r)) & set(c.members)]
    ports = sorted({f"{r.body.get('protocol')} {r.body.get('port')}" for r in listeners})
    schemes = sorted({"internal" if lb.body.get("internal") else "internet-facing" for lb in c.members})
    return _times("Application LB", len(c.members)), [", ".join(schemes), ", ".join(ports)]


def _label_nat(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    nats = _of(c, "aws_nat_gateway")
    facts = ["one per AZ"] if len(nats) > 1 else []
    if _of(c, "aws_internet_gateway"):
        facts.append("+ Internet gateway")
    return _times("NAT gateway", len(nats)), facts


def _label_ec2(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    lines = []
    for group in c.members:
        templates = [r for r in inv.references(group) if r.type == "aws_launch_template"]
        size = templates[0].body.get("instance_type", "?") if templates else "?"
        b = group.body
        lines.append(f"{inv.short(str(b.get('name', group.name)))} x{b.get('desired_capacity')} "
                     f"({b.get('min_size')}-{b.get('max_size')}) {size}")
    return f"EC2 Auto Scaling: {_plural(len(c.members), 'group')}", lines


def _label_ecs(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    services = sorted(c.members, key=lambda r: r.body["name"])
    spot = sorted(s.body["name"] for s in services if any(
        "SPOT" in p.get("capacity_provider", "") for p in s.body.get("capacity_provider_strategy", [])))
    facts = _wrap([f"{s.body['name']} x{s.body.get('desired_count')}" for s in services], 2)
    if spot:
        facts.append(f"Spot: {', '.join(spot)}")
    return f"ECS Fargate: {_plural(len(services), 'service')}", facts


def _label_lambda(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    names = sorted(inv.short(f.body["function_name"]) for f in c.members)
    runtimes = sorted({str(f.body.get("runtime")) for f in c.members})
    return _times("Lambda", len(c.members)), [*_wrap(names, 2), ", ".join(runtimes)]


def _replica_source(inv: Inventory, instance: Resource) -> Resource | None:
    """The database instance a read replica copies (replicate_source_db is the source's ARN or identifier)."""
    source = str(instance.body.get("replicate_source_db", "")).rsplit(":", 1)[-1]
    return next((r for r in inv.of_type("aws_db_instance") if source and r.body.get("identifier") == source), None)


def _label_rds(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    facts, engines = [], set()
    for db in c.members:
        b = db.body
        source = _replica_source(inv, db)
        engine = (source or db).body.get("engine", "")
        engines.add(f"{ENGINES.get(engine, engine)} {(source or db).body.get('engine_version', '')}".strip())
        placement = "Multi-AZ" if b.get("multi_az") else "single-AZ"
        if source is not None:
            facts.append(f"read replica of {inv.short(source.body['identifier'])} ({source.region})")
        facts.append(f"{b.get('instance_class')}, {placement}")
    return f"RDS {', '.join(sorted(engines))}" + (f" x{len(c.members)}" if len(c.members) > 1 else ""), facts


def _label_aurora(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    clusters, instances = _of(c, "aws_rds_cluster"), _of(c, "aws_rds_cluster_instance")
    engines = sorted({f"{ENGINES.get(k.body.get('engine'), k.body.get('engine'))} "
                      f"{_major_version(k.body.get('engine_version'))}" for k in clusters})
    classes = sorted({str(i.body.get("instance_class")) for i in instances})
    zones = sorted({str(i.body.get("availability_zone")) for i in instances if i.body.get("availability_zone")})
    facts = [f"1 writer + {_plural(len(instances) - 1, 'reader')}" if len(clusters) == 1 and instances
             else _plural(len(instances), "instance"), ", ".join(classes)]
    if zones:
        facts.append("AZs " + ", ".join(zones))
    return ", ".join(engines) + (f" x{len(clusters)} clusters" if len(clusters) > 1 else ""), facts


def _label_proxy(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    families = sorted({str(p.body.get("engine_family")) for p in c.members})
    return _times("RDS Proxy", len(c.members)), [", ".join(families)]


def _label_cache(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    title, facts = [], []
    for group in c.members:
        b = group.body
        title.append(f"{ENGINES.get(b.get('engine'), b.get('engine'))} {b.get('engine_version', '')}".strip())
        nodes = b.get("num_cache_clusters") or b.get("num_node_groups", 1) * (1 + b.get("replicas_per_node_group", 0))
        facts.append(f"{_plural(int(nodes), 'node')}, {b.get('node_type')}")
        if b.get("multi_az_enabled"):
            facts.append("Multi-AZ, automatic failover" if b.get("automatic_failover_enabled") else "Multi-AZ")
    return "ElastiCache " + ", ".join(sorted(set(title))), facts


def _label_efs(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    systems, replicas = _of(c, "aws_efs_file_system"), _of(c, "aws_efs_replication_configuration")
    facts = sorted({f"{s.body.get('throughput_mode')} throughput" for s in systems})
    if replicas and not systems:
        facts.append("replica of " + ", ".join(sorted({r.region for r in replicas})))
    data_subnets = [s for s in inv.of_type("aws_subnet")
                    if s.region == c.region and s.body.get("tags", {}).get("Tier") == DATA]
    if _of(c, "aws_efs_mount_target") and data_subnets:
        facts.append(f"mount targets in {len(data_subnets)} AZs")
    return _times("EFS", len(systems) or len(replicas)), facts


def _bucket_purpose(inv: Inventory, bucket: Resource) -> str:
    return _ACCOUNT_SUFFIX.sub("", inv.short(str(bucket.body.get("bucket", bucket.name))))


def _replicated_buckets(inv: Inventory) -> set[Resource]:
    return {d for r in inv.of_type("aws_s3_bucket_replication_configuration") for d in _replica_buckets(inv, r)}


def _label_s3(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    purposes = sorted({_bucket_purpose(inv, b) for b in c.members})
    replicas = set(c.members) & _replicated_buckets(inv)
    title = "S3 replicas" if replicas == set(c.members) else "S3"
    return f"{title}: {_plural(len(c.members), 'bucket')}", _wrap(purposes, 2)


def _label_log_archive(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    regions = sorted({b.region for b in c.members})
    return f"S3 log buckets: {len(c.members)}", _wrap(regions, 2)


def _label_sqs(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    dead = _dead_letter_queues(inv)
    queues = sorted(inv.short(q.body["name"]) for q in c.members if q not in dead)
    dlqs = [q for q in c.members if q in dead]
    if not queues:
        return f"SQS: {_plural(len(dlqs), 'failure queue')}", _wrap(sorted(inv.short(q.body["name"]) for q in dlqs), 2)
    return f"SQS: {_plural(len(queues), 'queue')}" + (f" + {len(dlqs)} DLQ" if dlqs else ""), _wrap(queues, 2)


def _dead_letter_queues(inv: Inventory) -> set[Resource]:
    """Queues that receive what others failed on: a redrive target or a function's failure destination."""
    dead: set[Resource] = set()
    for queue in inv.of_type("aws_sqs_queue"):
        dead.update(inv.refs_in(queue.stack, queue.body.get("redrive_policy")))
    for function in inv.of_type("aws_lambda_function"):
        dead.update(inv.refs_in(function.stack, function.body.get("dead_letter_config")))
    for config in inv.of_type("aws_lambda_function_event_invoke_config"):
        dead.update(inv.refs_in(config.stack, config.body.get("destination_config")))
    return {q for q in dead if q.type == "aws_sqs_queue"}


def _label_secrets(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    names = sorted(str(s.body.get("name", "")).rsplit("/", 1)[-1] for s in c.members)
    replica_regions = sorted({r["region"] for s in c.members for r in s.body.get("replica", []) if r.get("region")})
    facts = _wrap(names, 2) + (["replicated to " + ", ".join(replica_regions)] if replica_regions else [])
    return f"Secrets Manager: {len(c.members)}", facts


def _label_ssm(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    return "SSM Parameter Store", [_plural(len(c.members), "parameter")]


def _label_ecr(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    return f"ECR: {_plural(len(c.members), 'repository', 'repositories')}", []


def _label_image_builder(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    facts = [f"{inv.short(p.body['name'])}: {p.body.get('schedule', {}).get('schedule_expression', 'manual')}"
             for p in c.members]
    return "EC2 Image Builder", facts


def _label_scheduler(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    facts = [f"{inv.short(s.body['name'])}: {s.body.get('schedule_expression')}" for s in c.members]
    return "EventBridge Scheduler", facts


def _label_cloudwatch(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    counts = Counter(m.type for m in c.members)
    facts = [f"{_plural(counts['aws_cloudwatch_metric_alarm'], 'alarm')}, "
             f"{_plural(counts['aws_cloudwatch_log_metric_filter'], 'metric filter')}",
             _plural(counts["aws_cloudwatch_log_group"], "log group")]
    if counts["aws_flow_log"]:
        facts.append(_plural(counts["aws_flow_log"], "VPC flow log"))
    return "CloudWatch", facts


def _label_sns(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    protocols = Counter(str(s.body.get("protocol")) for s in inv.of_type("aws_sns_topic_subscription")
                        if set(inv.refs_in(s.stack, s.body.get("topic_arn"))) & set(c.members))
    return f"SNS: {_plural(len(c.members), 'topic')}", _wrap(
        [f"{p} x{n}" if n > 1 else p for p, n in sorted(protocols.items())], 3)


def _label_dashboard(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    return _times("CloudWatch dashboard", len(c.members)), sorted(d.body.get("dashboard_name", "") for d in c.members)


def _label_cloudtrail(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    facts = []
    for trail in c.members:
        b = trail.body
        facts.append("multi-region" if b.get("is_multi_region_trail") else trail.region)
        facts.append("to S3" + (" + CloudWatch Logs" if b.get("cloud_watch_logs_group_arn") else ""))
    return _times("CloudTrail", len(c.members)), facts


def _label_backup(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    facts = []
    for plan in _of(c, "aws_backup_plan"):
        for rule in plan.body.get("rule", []):
            keep = rule.get("lifecycle", {}).get("delete_after")
            facts.append(f"{rule.get('rule_name')}: {rule.get('schedule')}" + (f", {keep} d" if keep else ""))
    vault_regions = sorted({v.region for v in _of(c, "aws_backup_vault")})
    facts.append("vaults in " + ", ".join(vault_regions))
    for testing in _of(c, "aws_backup_restore_testing_plan"):
        facts.append(f"restore test: {testing.body.get('schedule_expression')}")
    return "AWS Backup", facts


def _label_guardduty(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    features = sorted(f.body["name"].lower().replace("_", " ") for f in inv.of_type("aws_guardduty_detector_feature")
                      if f.body.get("status") == "ENABLED")
    return "GuardDuty", [", ".join(features) or "management events, flow and DNS logs", "findings to the alarm topic"]


def _label_budget(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    facts = []
    for budget in c.members:
        b = budget.body
        thresholds = sorted({int(n["threshold"]) for n in b.get("notification", [])})
        facts.append(f"{b.get('limit_amount')} {b.get('limit_unit')} {str(b.get('time_unit', '')).lower()}")
        if thresholds:
            facts.append("alerts at " + ", ".join(f"{t}%" for t in thresholds))
    return _times("AWS Budgets", len(c.members)), facts


def _label_kms(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    regions = sorted({k.region for k in c.members})
    rotated = sum(1 for k in c.members if k.body.get("enable_key_rotation"))
    return f"KMS: {_plural(len(c.members), 'key')}", [f"rotation on {rotated} of {len(c.members)}", *_wrap(regions, 2)]


def _label_iam(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    facts = [f"OIDC: {str(p.body.get('url', '')).removeprefix('https://')}"
             for p in _of(c, "aws_iam_openid_connect_provider")]
    if _of(c, "aws_iam_account_password_policy"):
        facts.append("account password policy")
    return "IAM (account)", facts


def _label_state(inv: Inventory, c: Component) -> tuple[str, list[str]]:
    regions = sorted({b.region for b in c.members})
    return "Terraform state", [_plural(len(c.members), "bucket"), "in " + ", ".join(regions)]


LABELS: dict[str, Callable[[Inventory, Component], tuple[str, list[str]]]] = {
    "dns": _label_dns, "cdn": _label_cdn, "waf": _label_waf, "alb": _label_alb, "nat": _label_nat,
    "ec2": _label_ec2, "ecs": _label_ecs, "lambda": _label_lambda, "rds": _label_rds, "aurora": _label_aurora,
    "rds-proxy": _label_proxy, "cache": _label_cache, "efs": _label_efs, "s3": _label_s3,
    "log-archive": _label_log_archive, "sqs": _label_sqs, "secrets": _label_secrets, "ssm": _label_ssm,
    "ecr": _label_ecr, "image-builder": _label_image_builder, "scheduler": _label_scheduler,
    "cloudwatch": _label_cloudwatch, "sns": _label_sns, "dashboard": _label_dashboard,
    "cloudtrail": _label_cloudtrail, "backup": _label_backup, "budget": _label_budget, "kms": _label_kms,
    "guardduty": _label_guardduty,
    "iam": _label_iam, "state": _label_state,
}
"""One label builder per component kind; every kind _placement can produce has one."""


# --- flows: what the references between members say about data flow -----------------------------------

class _Flows:
    """Collects flows between components, merging duplicates (labels joined, strongest style kept)."""

    _STRENGTH = {REQUEST: 3, ACCESS: 2, EVENT: 1, REPLICATION: 0}

    def __init__(self, owner: dict[Resource, Component]):
        self.owner = owner
        self.flows: dict[tuple[str, str], tuple[str, set[str]]] = {}

    def add(self, sources: Iterable[Resource | Component], targets: Iterable[Resource | Component],
            style: str, label: str = "") -> None:
        for source in self._keys(sources):
            for target in self._keys(targets):
                self._merge(source, target, style, {label} if label else set())

    def _merge(self, source: str, target: str, style: str, labels: set[str]) -> None:
        if source == target:
            return
        old_style, old_labels = self.flows.get((source, target), (style, set()))
        self.flows[(source, target)] = (max(old_style, style, key=self._STRENGTH.__getitem__), old_labels | labels)

    def _keys(self, items: Iterable[Resource | Component]) -> list[str]:
        found: dict[str, None] = {}
        for item in items:
            component = item if isinstance(item, Component) else self.owner.get(item)
            if component is not None:
                found[component.key] = None
        return list(found)

    def through_firewalls(self, guards: dict[str, str]) -> None:
        """Requests to a protected component pass its WAF first: X -> CloudFront becomes X -> WAF -> CloudFront."""
        for (source, target), (style, labels) in list(self.flows.items()):
            guard = guards.get(target)
            if style == REQUEST and guard and source != guard:
                del self.flows[(source, target)]
                self._merge(source, guard, REQUEST, labels)
                self._merge(guard, target, REQUEST, set())

    def result(self) -> list[Flow]:
        return [Flow(s, t, style, ", ".join(sorted(labels, key=_natural)))
                for (s, t), (style, labels) in sorted(self.flows.items())]


def _natural(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (1 << 30, text)


def _request_flows(inv: Inventory, flows: _Flows, users: Component) -> None:
    """Users -> Route 53 -> CloudFront / load balancers -> their origins and targets."""
    records = inv.of_type("aws_route53_record")
    dns = [flows.owner[r] for r in records if r in flows.owner]
    flows.add([users], dns or [c for c in flows.owner.values() if c.kind in ("cdn", "alb")], REQUEST, "HTTPS")
    for record in records:
        policy = record.body.get("failover_routing_policy", {}).get("type", "")
        flows.add([record], inv.refs_in(record.stack, record.body.get("alias")), REQUEST,
                  f"failover {policy.lower()}" if policy else "")
    names = defaultdict(list)
    for record in records:
        names[str(record.body.get("name"))].append(record)
    for distribution in inv.of_type("aws_cloudfront_distribution"):
        for origin in distribution.body.get("origin", []):
            targets = inv.refs_in(distribution.stack, origin.get("domain_name"))
            for record in names.get(str(origin.get("domain_name")), []):
                targets += inv.refs_in(record.stack, record.body.get("alias"))
            flows.add([distribution], targets, REQUEST)
    registered = _registered_targets(inv)
    for listener in inv.of_type("aws_lb_listener", "aws_lb_listener_rule"):
        chain = list(inv.references(listener))
        chain += [r for link in chain if link.type == "aws_lb_listener" for r in inv.references(link)]
        balancers = [r for r in chain if r.type == "aws_lb"]
        for group in sorted({r for r in chain if r.type == "aws_lb_target_group"}, key=lambda g: g.name):
            flows.add(balancers, registered.get(group, []), REQUEST, str(group.body.get("port", "")))


def _registered_targets(inv: Inventory) -> dict[Resource, list[Resource]]:
    """target group -> what registers in it: Auto Scaling groups, ECS services, explicit attachments."""
    targets: dict[Resource, list[Resource]] = defaultdict(list)
    for compute, argument in (("aws_autoscaling_group", "target_group_arns"), ("aws_ecs_service", "load_balancer")):
        for resource in inv.of_type(compute):
            for group in inv.refs_in(resource.stack, resource.body.get(argument)):
                targets[group].append(resource)
    for attachment in inv.of_type("aws_lb_target_group_attachment"):
        for group in inv.refs_in(attachment.stack, attachment.body.get("target_group_arn")):
            targets[group] += inv.refs_in(attachment.stack, attachment.body.get("target_id"))
    return targets


def _security_group_flows(inv: Inventory, flows: _Flows, components: Iterable[Component]) -> None:
    """Client -> server for every ingress rule between two security groups, labelled with its port."""
    holders: dict[Resource, list[Component]] = defaultdict(list)
    for component in components:
        members = list(component.members)
        members += [r for m in component.members for r in inv.references(m) if r.type == "aws_launch_template"]
        for group in {r for m in members for r in inv.references(m) if r.type == "aws_security_group"}:
            holders[group].append(component)
    for rule in inv.of_type("aws_vpc_security_group_ingress_rule"):
        servers = inv.refs_in(rule.stack, rule.body.get("security_group_id"))
        clients = inv.refs_in(rule.stack, rule.body.get("referenced_security_group_id"))
        port = rule.body.get("from_port")
        label = str(port) if port == rule.body.get("to_port") else f"{port}-{rule.body.get('to_port')}"
        flows.add([c for g in clients for c in holders.get(g, [])], [c for g in servers for c in holders.get(g, [])],
                  ACCESS, label)


def _roles(inv: Inventory, resource: Resource) -> set[Resource]:
    """The IAM roles a compute resource runs as (instance profile, task and execution roles, function role)."""
    linked = list(inv.references(resource))
    linked += [r for link in linked if link.type in ("aws_launch_template", "aws_ecs_task_definition",
                                                      "aws_iam_instance_profile") for r in inv.references(link)]
    linked += [r for link in linked if link.type == "aws_iam_instance_profile" for r in inv.references(link)]
    return {r for r in linked if r.type == "aws_iam_role"}


def _iam_flows(inv: Inventory, flows: _Flows, components: Iterable[Component]) -> None:
    """Compute -> whatever its roles' policies name (queues, buckets, secrets, topics, the standby's parts)."""
    grants: dict[Resource, set[Resource]] = defaultdict(set)
    for link in inv.of_type("aws_iam_role_policy", "aws_iam_role_policy_attachment"):
        targets = list(inv.references(link))
        targets += [r for t in targets if t.type == "aws_iam_policy" for r in inv.references(t)]
        for role in (t for t in targets if t.type == "aws_iam_role"):
            grants[role].update(targets)
    for component in components:
        if component.kind not in ("ec2", "ecs", "lambda"):
            continue
        granted = {g for m in component.members for role in _roles(inv, m) for g in grants[role]}
        targets = [r for r in granted if flows.owner.get(r) and flows.owner[r].kind not in ("kms", "cloudwatch")]
        flows.add([component], targets, ACCESS)


def _event_flows(inv: Inventory, flows: _Flows) -> None:
    """Notifications and schedules: bucket events, schedules, alarms, budgets, subscriptions, failures."""
    for r in inv.of_type("aws_s3_bucket_notification"):
        b = r.body
        flows.add(inv.refs_in(r.stack, b.get("bucket")),
                  inv.refs_in(r.stack, [b.get("queue"), b.get("lambda_function"), b.get("topic")]), EVENT, "events")
    for r in inv.of_type("aws_scheduler_schedule"):
        target = r.body.get("target", {})
        flows.add([r], inv.refs_in(r.stack, target.get("arn")), EVENT, "schedule")
        flows.add([r], inv.refs_in(r.stack, target.get("dead_letter_config")), EVENT, "failures")
    for r in inv.of_type("aws_cloudwatch_metric_alarm"):
        flows.add([r], inv.refs_in(r.stack, r.body.get("alarm_actions")), EVENT, "alarms")
    for r in inv.of_type("aws_budgets_budget"):
        flows.add([r], inv.refs_in(r.stack, r.body.get("notification")), EVENT, "alerts")
    for r in inv.of_type("aws_sns_topic_subscription"):
        flows.add(inv.refs_in(r.stack, r.body.get("topic_arn")), inv.refs_in(r.stack, r.body.get("endpoint")),
                  EVENT, "subscription")
    for r in inv.of_type("aws_lambda_function"):
        flows.add([r], inv.refs_in(r.stack, r.body.get("dead_letter_config")), EVENT, "failures")
    for r in inv.of_type("aws_lambda_function_event_invoke_config"):
        flows.add(inv.refs_in(r.stack, r.body.get("function_name")),
                  inv.refs_in(r.stack, r.body.get("destination_config")), EVENT, "failures")
    for r in inv.of_type("aws_backup_selection"):
        flows.add(inv.refs_in(r.stack, r.body.get("plan_id")), inv.refs_in(r.stack, r.body.get("resources")),
                  EVENT, "backup")


def _replication_flows(inv: Inventory, flows: _Flows) -> None:
    """Cross-region copies: bucket replication, database read replicas, file-system replication."""
    for r in inv.of_type("aws_s3_bucket_replication_configuration"):
        flows.add(inv.refs_in(r.stack, r.body.get("bucket")), _replica_buckets(inv, r), REPLICATION, "replication")
    for replica in inv.of_type("aws_db_instance"):
        if (source := _replica_source(inv, replica)) is not None:
            flows.add([source], [replica], REPLICATION, "read replica")
    for r in inv.of_type("aws_efs_replication_configuration"):
        flows.add(inv.refs_in(r.stack, r.body.get("source_file_system_id")), [r], REPLICATION, "replication")


def _guarded(inv: Inventory) -> dict[Resource, Resource]:
    """protected resource (distribution, load balancer) -> the web ACL in front of it."""
    guards: dict[Resource, Resource] = {}
    for distribution in inv.of_type("aws_cloudfront_distribution"):
        for acl in inv.refs_in(distribution.stack, distribution.body.get("web_acl_id")):
            guards[distribution] = acl
    for association in inv.of_type("aws_wafv2_web_acl_association"):
        for acl in inv.refs_in(association.stack, association.body.get("web_acl_arn")):
            for protected in inv.refs_in(association.stack, association.body.get("resource_arn")):
                guards[protected] = acl
    return guards


# --- regions --------------------------------------------------------------------------------------------

def _regions(inv: Inventory, components: Iterable[Component]) -> list[Region]:
    sites = inv.site_regions
    used = {c.region for c in components if c.region}
    order = [sites["primary"], *(r for s, r in sites.items() if s != "primary"), *sorted(used)]
    regions = []
    for name in dict.fromkeys(order):
        if name not in used:
            continue
        role = next((s for s, r in sites.items() if r == name), "secondary")
        regions.append(Region(name, role, _vpc(inv, name)))
    return regions


def _vpc(inv: Inventory, region: str) -> Vpc | None:
    vpcs = [v for v in inv.of_type("aws_vpc") if v.region == region]
    if not vpcs:
        return None
    subnets = [s for s in inv.of_type("aws_subnet") if s.region == region]
    tiers = Counter(str(s.body.get("tags", {}).get("Tier")) for s in subnets)
    zones = tuple(sorted({str(s.body.get("availability_zone")) for s in subnets}))
    endpoints = sum(1 for e in inv.of_type("aws_vpc_endpoint") if e.region == region)
    return Vpc(", ".join(sorted(str(v.body.get("cidr_block")) for v in vpcs)), zones, dict(sorted(tiers.items())),
               endpoints)


# --- entry point ----------------------------------------------------------------------------------------

def read_architecture(outdir: Path) -> Architecture:
    """The model of the environment synthesized into `outdir` (main.py --out, or synth.app.synthesize)."""
    inv = Inventory(Path(outdir))
    components = _components(inv)
    for component in components.values():
        component.title, component.facts = LABELS[component.kind](inv, component)
    users = Component("users", INTERNET, None, title="Users")
    ordered = [users, *sorted(components.values(), key=lambda c: c.key)]
    owner = {m: c for c in components.values() for m in c.members}
    flows = _Flows(owner)
    _request_flows(inv, flows, users)
    _security_group_flows(inv, flows, components.values())
    _iam_flows(inv, flows, components.values())
    _event_flows(inv, flows)
    _replication_flows(inv, flows)
    flows.through_firewalls({owner[p].key: owner[a].key for p, a in _guarded(inv).items() if p in owner and a in owner})
    return Architecture(
        blueprint=inv.manifest["blueprint"], environment=inv.manifest["environment"],
        regions=_regions(inv, components.values()), components=ordered, flows=flows.result(),
        stacks=len(inv.documents), resources=len(inv.resources))
