"""The compute stack: the load balancer and its WAF, golden images, EC2 fleets, Fargate services and
the bastion of one blueprint environment.

It reads the network (VPC, subnets, the app-tier security group every workload joins to reach the
data stores) and the data stack (the app-data-access policy, secret ARNs, queues, file systems)
through remote state; a standby behind CloudFront also reads the primary compute stack's origin
secret, which its load balancer adopts. Security groups form a chain: the internet reaches the load balancer on
80/443 only, workloads accept their port from the load balancer (or a calling service, or SSH from
the bastion) only, and send only HTTPS out plus what the data tier admits.
"""

from __future__ import annotations

from cdktf import Fn, TerraformResource
from cdktf_cdktf_provider_aws.data_aws_elb_service_account import DataAwsElbServiceAccount
from constructs import Construct

from configuration import BlueprintConfig
from configuration.compute import Fleet, HealthCheck, Patching, Scaling, Service, Stickiness, Tracing, blueprint_file
from modules.bastion import Bastion, BastionProps
from modules.containers import (
    ContainerCluster,
    ContainerClusterProps,
    ContainerHealthCheck,
    FargateService,
    FargateServiceProps,
    FileSystemVolume,
    ImageRepository,
    ImageRepositoryProps,
    TraceCollector,
)
from modules.firewall import WorkloadSecurityGroup, WorkloadSecurityGroupProps
from modules.fleet import Ec2Fleet, Ec2FleetProps, PatchSchedule
from modules.image import GoldenImagePipeline, GoldenImagePipelineProps
from modules.kms import EncryptionKey, ServiceGrant
from modules.load_balancer import (
    CertificateSpec,
    ListenerRoute,
    LoadBalancedTarget,
    OriginSecret,
    OriginSecretProps,
    PublicLoadBalancer,
    PublicLoadBalancerProps,
    TargetStickiness,
)
from modules.s3_bucket import LifecycleRule, SecureBucket, SecureBucketProps
from modules.scaling import OffHoursSchedule, ScalingRule
from modules.waf import WebAcl, WebAclProps
from stacks.base import PlatformStack, variable
from stacks.data import DataStack
from stacks.network import NetworkStack
from stacks.storage import bucket_key


class ComputeStack(PlatformStack):
    layer = "compute"

    @classmethod
    def applies_to(cls, config: BlueprintConfig) -> bool:
        return not config.compute.is_empty

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        super().__init__(scope, config)
        compute = config.compute
        network = self.remote_state(NetworkStack)
        self.data = self.remote_state(DataStack)
        self.vpc_id = network.get_string("vpc_id")
        self.vpc_cidr = config.network.vpc_cidr  # configuration, not an output: rules need it at plan time
        self.public_subnet_ids = network.get_list("public_subnet_ids")
        self.app_subnet_ids = network.get_list("app_subnet_ids")
        self.app_security_group_id = network.get_string("app_security_group_id")
        self.key = self._key()
        self.image_ids = {name: self._image(name) for name in compute.images}
        self.groups = {name: self._security_group(name, kind)
                       for kind, workloads in (("fleet", compute.fleets), ("service", compute.services))
                       for name in workloads}
        self.load_balancer = self._load_balancer() if compute.load_balancer else None
        self.fleets = {name: self._fleet(name, spec) for name, spec in compute.fleets.items()}
        self.cluster = self._cluster() if compute.services else None
        self.services = {name: self._service(name, spec) for name, spec in compute.services.items()}
        for name, spec in compute.services.items():
            for caller in spec.callers:
                self.groups[name].admit(f"from-{caller}", self.groups[caller].id, spec.port or 0,
                                        f"From service {caller} on {spec.port}")
        self.bastion = self._bastion() if compute.bastion else None
        self.export("workload_security_group_ids", {n: g.id for n, g in self.groups.items()}, "map",
                    "Security group of each fleet and service")

    # -- shared pieces ----------------------------------------------------------------------------------

    @property
    def fleet_log_prefix(self) -> str:
        """The fleets' log groups are <this>/<fleet>/<log>, as the containers' are /ecs/<name prefix>/<service>."""
        return f"/ec2/{self.config.name_prefix}"

    def _key(self) -> EncryptionKey:
        """One key for the tier's logs (WAF, containers, fleets) and container images."""
        config, region = self.config, self.config.regions.primary
        patterns = [f"aws-waf-logs-{config.name_prefix}*", f"/ecs/{config.name_prefix}/*"]
        if any(fleet.shipped_logs for fleet in config.compute.fleets.values()):
            patterns.append(f"{self.fleet_log_prefix}/*")
        log_groups = [f"arn:{self.partition}:logs:{region}:{config.account_id}:log-group:{pattern}"
                      for pattern in patterns]
        key = bucket_key(self, "compute-key", f"{config.name_prefix}-compute", f"compute of {config.name_prefix}",
                         config.account_id, self.partition, service_grants=(ServiceGrant(
                             service=f"logs.{region}.amazonaws.com",
                             conditions=[("ArnLike", "kms:EncryptionContext:aws:logs:arn", log_groups)]),))
        self.export("kms_key_arn", key.arn, "string", "Key of the compute tier's logs and images")
        return key

    def _security_group(self, name: str, kind: str) -> WorkloadSecurityGroup:
        config = self.config
        return WorkloadSecurityGroup(self, f"{kind}-{name}-security-group", WorkloadSecurityGroupProps(
            name=f"{config.name_prefix}-{name}", description=f"{kind.title()} {name}: HTTPS and DNS out",
            vpc_id=self.vpc_id, vpc_cidr=self.vpc_cidr, http_egress=config.compute.http_egress))

    def _image(self, name: str) -> str:
        """The image id fleets launch: the fixed AMI, or the parameter a golden-image pipeline updates."""
        config, spec = self.config, self.config.compute.images[name]
        if spec.pipeline is None:
            return spec.ami_id
        parameter = f"{config.parameter_prefix}/compute/ami/{name}"
        if config.is_standby:  # the primary's pipeline distributes each image here and names it in this region
            return f"resolve:ssm:{parameter}"
        pipeline = spec.pipeline
        distribute = pipeline.distribute_to_secondary
        if distribute is None:
            distribute = config.regions.secondary is not None
        builder_group = WorkloadSecurityGroup(self, f"image-{name}-security-group", WorkloadSecurityGroupProps(
            name=f"{config.name_prefix}-image-{name}", description=f"Image builds of {name}: HTTPS and DNS out",
            vpc_id=self.vpc_id, vpc_cidr=self.vpc_cidr, http_egress=config.compute.http_egress))
        golden = GoldenImagePipeline(self, f"image-{name}", GoldenImagePipelineProps(
            name=f"{config.name_prefix}-{name}", component_document=blueprint_file(config, pipeline.component)
            .read_text(), starting_ami_id=spec.ami_id,
            parameter_name=parameter,
            subnet_id=Fn.element(self.app_subnet_ids, 0), security_group_ids=[builder_group.id],
            account_id=config.account_id, region=config.regions.primary, partition=self.partition,
            secondary_region=config.regions.secondary if distribute else None,
            instance_types=pipeline.instance_types, schedule=pipeline.schedule))
        self.export(f"image_{variable(name)}_parameter", golden.parameter.name, "string",
                    f"SSM parameter holding the current golden image of {name}")
        self.export(f"image_{variable(name)}_pipeline_arn", golden.pipeline.arn, "string",
                    f"Image Builder pipeline of {name}")
        return golden.launch_image_id

    # -- load balancer ----------------------------------------------------------------------------------

    def _load_balancer(self) -> PublicLoadBalancer:
        config = self.config
        spec = config.compute.load_balancer
        assert spec is not None
        elb_account = DataAwsElbServiceAccount(self, "elb-account")
        log_bucket = SecureBucket(self, "load-balancer-logs", SecureBucketProps(
            bucket_name=f"{config.name_prefix}-lb-logs-{config.account_id}", encryption_key=None,
            access_logs_to=None, account_id=config.account_id, load_balancer_log_writer=elb_account.arn,
            lifecycle_rules=(LifecycleRule(id="expire-load-balancer-logs", expiration_days=spec.log_retention_days,
                                           noncurrent_expiration_days=30),)))
        targets = {}
        for name, fleet in config.compute.fleets.items():
            if fleet.port is not None:
                targets[name] = LoadBalancedTarget(port=fleet.port, health_check_path=fleet.health_check_path)
        for name, service in config.compute.services.items():
            if service.behind_load_balancer and service.port:
                targets[name] = LoadBalancedTarget(port=service.port, health_check_path=service.health_check_path,
                                                   target_type="ip", stickiness=_stickiness(service.stickiness))
        certificate = spec.certificate
        production = config.is_production
        origin_secret = self._origin_secret()
        lb = PublicLoadBalancer(self, "load-balancer", PublicLoadBalancerProps(
            name=config.name_prefix, vpc_id=self.vpc_id, subnet_ids=self.public_subnet_ids, targets=targets,
            default_target=spec.default_target, log_bucket=log_bucket,
            routes=[ListenerRoute(priority=r.priority, target=r.target, paths=r.paths, hosts=r.hosts)
                    for r in spec.routes],
            certificate=CertificateSpec(domain_name=certificate.domain_name,
                                        alternative_names=certificate.alternative_names,
                                        hosted_zone_id=certificate.hosted_zone_id) if certificate else None,
            plain_http_reason=spec.plain_http.reason if spec.plain_http else None, tls_policy=spec.tls_policy,
            idle_timeout_seconds=spec.idle_timeout_seconds,
            deletion_protection=spec.deletion_protection if spec.deletion_protection is not None else production,
            origin_secret=origin_secret, direct_hosts=self._direct_hosts() if origin_secret else (),
            health_check_path=self._health_check_path()))
        for name in targets:
            self.groups[name].admit("from-load-balancer", lb.security_group_id, targets[name].port,
                                    f"From the load balancer on {targets[name].port}")
        self.export("load_balancer_arn", lb.arn, "string", "ARN of the application load balancer")
        self.export("load_balancer_arn_suffix", lb.load_balancer.arn_suffix, "string",
                    "ARN suffix of the load balancer (CloudWatch dimension LoadBalancer)")
        for name, group in lb.target_groups.items():
            self.export(f"target_group_{variable(name)}_arn_suffix", group.arn_suffix, "string",
                        f"ARN suffix of the {name} target group (CloudWatch dimension TargetGroup)")
        self.export("load_balancer_dns_name", lb.load_balancer.dns_name, "string", "DNS name of the load balancer")
        self.export("load_balancer_zone_id", lb.load_balancer.zone_id, "string",
                    "Hosted zone of the load balancer (Route 53 alias records)")
        self.export("load_balancer_security_group_id", lb.security_group_id, "string", "Load balancer's group")
        self.export("load_balancer_log_bucket_name", log_bucket.name, "string", "Bucket of the ALB access logs")
        self.export("target_group_arns", {n: g.arn for n, g in lb.target_groups.items()}, "map",
                    "Target group of each load-balanced workload")
        waf = config.compute.waf
        if waf is not None:
            acl = WebAcl(self, "web-acl", WebAclProps(
                name=config.name_prefix, resource_arn=lb.arn, log_encryption_key_arn=self.key.arn,
                managed_rule_groups=waf.managed_rule_groups,
                rate_limit=waf.rate_limit.requests if waf.rate_limit else None,
                rate_window_seconds=waf.rate_limit.window_seconds if waf.rate_limit else 60,
                rate_limit_exempt=origin_secret,
                blocked_countries=waf.blocked_countries, log_retention_days=waf.log_retention_days))
            self.export("web_acl_arn", acl.arn, "string", "WAF web ACL protecting the load balancer")
        return lb

    def _origin_secret(self) -> OriginSecret | None:
        """When the edge puts CloudFront in front of the load balancer: the secret header CloudFront adds
        (the edge stack reads it from this stack's state) and the load balancer requires.

        The standby's load balancer adopts the primary's secret: CloudFront sends one value, and the origin
        name's failover records send it to either load balancer. The header name is not read: both sites
        take OriginSecretProps' default here, and WAF and ELB need it while synthesizing."""
        config, edge = self.config, self.config.edge
        if edge is None or edge.load_balancer_cdn is None:
            return None
        if config.is_standby:
            primary = self.remote_state(ComputeStack, site=config.primary())
            secret = OriginSecret(self, "origin-secret", OriginSecretProps(
                adopted_value=primary.get_string("origin_verify_secret")))
            rotation = ": the primary compute stack's, adopted (rotate there, then apply this stack and the edge stack)"
        else:
            secret = OriginSecret(self, "origin-secret")
            rotation = " (rotate: replace origin-secret, then apply the edge stack)"
        self.export("origin_verify_header", secret.header_name, "string",
                    "Header CloudFront adds to every request to the load balancer")
        self.export("origin_verify_secret", secret.value, "string",
                    f"Value of origin_verify_header the load balancer requires{rotation}", sensitive=True)
        return secret

    def _health_check_path(self) -> str | None:
        """The path the edge's Route 53 health check asks the primary's load balancer for by its own DNS name
        (with a standby, stacks/edge.py), which must pass without the origin secret: Route 53 sends no custom
        headers. Only the primary's load balancer is checked; the standby's serves nothing without the secret."""
        config, edge = self.config, self.config.edge
        if not config.dr.enabled or config.is_standby or edge is None or edge.load_balancer_cdn is None:
            return None
        return edge.health_check.path if edge.health_check else None

    def _direct_hosts(self) -> tuple[str, ...]:
        """Names the edge aliases straight to the load balancer (not through CloudFront)."""
        edge = self.config.edge
        if edge is None or edge.domain is None:
            return ()
        hosts = [edge.host(label) for label in edge.load_balancer_names]
        if edge.apex_target == "load_balancer":
            hosts += [edge.domain] + ([edge.host("www")] if edge.www else [])
        return tuple(hosts)

    # -- workloads --------------------------------------------------------------------------------------

    def _scaling(self, spec: Scaling) -> ScalingRule:
        return ScalingRule(
            policy=spec.policy, target_cpu_percent=spec.target, metric=spec.metric,
            queue_name=self.data.get_string(f"queue_{variable(spec.queue)}_name") if spec.queue else None,
            scale_out_above=spec.scale_out_above, scale_out_after_seconds=spec.scale_out_after_seconds,
            scale_in_below=spec.scale_in_below, scale_in_after_seconds=spec.scale_in_after_seconds,
            scale_out_cooldown_seconds=spec.scale_out_cooldown_seconds,
            scale_in_cooldown_seconds=spec.scale_in_cooldown_seconds)

    def _app_policies(self) -> tuple[str, ...]:
        """Managed policies every workload role carries: its data-tier access and the parameter tree."""
        policies = [self.data.get_string("parameters_read_policy_arn")]
        if not self.config.data.is_empty:
            policies.append(self.data.get_string("app_data_access_policy_arn"))
        return tuple(policies)

    def _fleet(self, name: str, spec: Fleet) -> Ec2Fleet:
        config = self.config
        off = spec.off_hours
        lb = self.load_balancer
        fleet = Ec2Fleet(self, f"fleet-{name}", Ec2FleetProps(
            name=f"{config.name_prefix}-{name}", image_id=self.image_ids[spec.image], subnet_ids=self.app_subnet_ids,
            security_group_ids=[self.groups[name].id, self.app_security_group_id], account_id=config.account_id,
            partition=self.partition, instance_type=spec.instance_type, min_size=spec.min_size,
            max_size=spec.max_size, desired_capacity=spec.desired,
            target_group_arns=[lb.target_groups[name].arn] if lb and name in lb.target_groups else [],
            health_check_grace_seconds=spec.health_check_grace_seconds,
            user_data=blueprint_file(config, spec.user_data).read_text() if spec.user_data else None,
            root_volume_gb=spec.root_volume_gb, scaling=self._scaling(spec.scaling),
            off_hours=OffHoursSchedule(stop=off.stop, start=off.start, time_zone=off.time_zone) if off else None,
            managed_policy_arns=self._app_policies(),
            key_name=config.compute.bastion.key_name if config.compute.bastion else None,
            instance_tags=config.default_tags, standby=config.is_standby, log_files=spec.shipped_logs,
            log_group_prefix=f"{self.fleet_log_prefix}/{name}", log_retention_days=spec.log_retention_days,
            log_encryption_key_arn=self.key.arn, patching=_patch_schedule(spec.patching)))
        self.export(f"fleet_{variable(name)}_group_name", fleet.name, "string", f"Auto Scaling group of {name}")
        self.export(f"fleet_{variable(name)}_role_name", fleet.role_name, "string", f"Instance role of {name}")
        for log, group_name in fleet.log_group_names.items():
            self.export(f"fleet_{variable(name)}_log_{variable(log)}_group_name", group_name, "string",
                        f"Log group of {name}'s {log} log (the ops stack counts its errors)")
        return fleet

    def _cluster(self) -> ContainerCluster:
        config = self.config
        cluster = ContainerCluster(self, "cluster", ContainerClusterProps(
            name=config.name_prefix, vpc_id=self.vpc_id, namespace=f"{config.name_prefix}.internal",
            container_insights=config.compute.container_insights))
        self.export("cluster_name", cluster.name, "string", "ECS cluster of the services")
        self.export("service_namespace", f"{config.name_prefix}.internal", "string",
                    "Private DNS namespace: a called service answers at <service>.<namespace>")
        return cluster

    def _service(self, name: str, spec: Service) -> FargateService:
        config = self.config
        assert self.cluster is not None
        image = spec.image
        if image is None:
            repository = ImageRepository(self, f"repository-{name}", ImageRepositoryProps(
                name=f"{config.name_prefix}/{name}", encryption_key_arn=self.key.arn, keep_images=spec.keep_images))
            self.export(f"repository_{variable(name)}_url", repository.url, "string", f"ECR repository of {name}")
            image = f"{repository.url}:{spec.image_tag}"
        secrets, key_outputs = {}, set()
        for env_name, reference in spec.secrets.items():
            kind, store = reference.split(":")
            output = f"secret_{variable(store)}_arn" if kind == "secret" else f"database_{variable(store)}_secret_arn"
            secrets[env_name] = self.data.get_string(output)
            # a standby reads replicas of the primary's secrets, all under the replica key made there
            key_outputs.add("kms_key_secrets_replica_arn" if config.is_standby else
                            f"kms_key_{'config' if kind == 'secret' else 'databases'}_arn")
        mount = spec.file_system
        volume = None
        if mount:
            fs, point = variable(mount.file_system), variable(mount.access_point)
            volume = FileSystemVolume(
                file_system_id=self.data.get_string(f"file_system_{fs}_id"),
                file_system_arn=self.data.get_string(f"file_system_{fs}_arn"),
                access_point_id=self.data.get_string(f"file_system_{fs}_access_point_{point}_id"),
                access_point_arn=self.data.get_string(f"file_system_{fs}_access_point_{point}_arn"),
                container_path=mount.container_path)
        lb = self.load_balancer
        behind = lb is not None and name in lb.target_groups
        off = spec.off_hours
        depends: list[TerraformResource] = []
        if behind and lb is not None:
            depends = [lb.listener] + ([lb.http_listener] if lb.http_listener is not lb.listener else [])
        service = FargateService(self, f"service-{name}", FargateServiceProps(
            name=name, name_prefix=config.name_prefix, cluster=self.cluster, image=image,
            subnet_ids=self.app_subnet_ids, security_group_ids=[self.groups[name].id, self.app_security_group_id],
            account_id=config.account_id, region=config.regions.primary, log_encryption_key_arn=self.key.arn,
            partition=self.partition, cpu=spec.cpu, memory=spec.memory,
            architecture="ARM64" if spec.architecture == "arm64" else "X86_64", port=spec.port,
            target_group_arn=lb.target_groups[name].arn if behind and lb else None,
            health_check_grace_seconds=spec.health_check_grace_seconds,
            health_check=_container_health_check(spec.health_check), min_count=spec.min_size,
            max_count=spec.max_size, desired_count=spec.desired, spot=spec.spot, secrets=secrets,
            secret_key_arns=[self.data.get_string(output) for output in sorted(key_outputs)],
            environment=spec.environment, read_only_root_filesystem=spec.read_only_root_filesystem,
            user=spec.user, log_retention_days=spec.log_retention_days, file_system=volume,
            managed_policy_arns=self._app_policies(), discoverable=bool(spec.callers),
            tracing=_trace_collector(config.compute.tracing) if name in config.compute.traced_services else None,
            scaling=self._scaling(spec.scaling),
            off_hours=OffHoursSchedule(stop=off.stop, start=off.start, time_zone=off.time_zone) if off else None,
            standby=config.is_standby, depends_on=depends))
        self.export(f"service_{variable(name)}_name", service.name, "string", f"ECS service {name}")
        self.export(f"service_{variable(name)}_log_group_name", service.log_group.name, "string",
                    f"Log group of the {name} containers (the ops stack counts its ERROR lines)")
        return service

    def _bastion(self) -> Bastion:
        config = self.config
        spec = config.compute.bastion
        assert spec is not None
        bastion = Bastion(self, "bastion", BastionProps(
            name=f"{config.name_prefix}-bastion", vpc_id=self.vpc_id, vpc_cidr=self.vpc_cidr,
            public_subnet_ids=self.public_subnet_ids, allowed_cidrs=spec.allowed_cidrs, key_name=spec.key_name,
            image_id=self.image_ids[spec.image], account_id=config.account_id, partition=self.partition,
            instance_type=spec.instance_type, instance_tags=config.default_tags))
        for name in config.compute.fleets:
            bastion.grant_ssh(f"ssh-to-{name}", self.groups[name])
        self.export("bastion_group_name", bastion.fleet.name, "string", "Auto Scaling group of the bastion")
        self.export("bastion_security_group_id", bastion.security_group.id, "string", "Bastion's security group")
        return bastion


def _container_health_check(spec: HealthCheck | None) -> ContainerHealthCheck | None:
    if spec is None:
        return None
    return ContainerHealthCheck(command=spec.command, interval_seconds=spec.interval_seconds,
                                timeout_seconds=spec.timeout_seconds, retries=spec.retries,
                                start_period_seconds=spec.start_period_seconds)


def _trace_collector(spec: Tracing | None) -> TraceCollector | None:
    if spec is None:
        return None
    return TraceCollector(sample_percent=spec.sample_percent, cpu=spec.collector_cpu, memory=spec.collector_memory)


def _stickiness(spec: Stickiness | None) -> TargetStickiness | None:
    if spec is None:
        return None
    return TargetStickiness(type=spec.type, duration_seconds=spec.duration_seconds, cookie_name=spec.cookie_name)


def _patch_schedule(spec: Patching | None) -> PatchSchedule | None:
    return PatchSchedule(schedule=spec.schedule, install=spec.install, reboot=spec.reboot) if spec else None
