"""The data stack: every store of one blueprint environment, in the private-data subnets, encrypted
with a customer-managed key per data domain, reachable only from the app tier's security group,
backed up daily, and published (endpoints, names, ARNs) as exports and SSM parameters.

Nothing secret is ever configured or output: databases keep an RDS-managed master password in
Secrets Manager (with a DR standby, RDS cannot: the operator passes it write-only, and clients sign in
with a credentials secret the operator fills), caches authenticate with IAM, and application secrets are
created empty. With a DR standby every secret is replicated to the standby's region.
"""

from __future__ import annotations

from pathlib import Path

from cdktf import TerraformVariable, TerraformVariableValidationConfig
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
)
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket_notification import S3BucketNotification, S3BucketNotificationQueue
from constructs import Construct

from configuration import BlueprintConfig
from configuration.data import Bucket, FileSystem
from lambda_src.packaging import staged_once
from modules.app_config import (
    AppSecret,
    AppSecretProps,
    ParameterHierarchy,
    ParameterHierarchyProps,
    RotatedSecret,
    SecretReplica,
    SecretRotation,
    SecretRotationProps,
)
from modules.backup import (
    BackupPlan,
    BackupPlanProps,
    RestoreTarget,
    RestoreTesting,
    RestoreTestingProps,
    aurora_cluster_target,
    database_instance_target,
    file_system_target,
)
from modules.cache import ValkeyCache, ValkeyCacheProps, valkey_key_grants
from modules.cdn import cloudfront_read_statement, cloudfront_reader_key_grant
from modules.database import (
    AuroraDatabase,
    AuroraDatabaseProps,
    DatabaseInstance,
    DatabaseInstanceProps,
    DatabaseProxy,
    DatabaseProxyProps,
    EnhancedMonitoringRole,
    EnhancedMonitoringRoleProps,
)
from modules.file_system import (
    FileSystemReplication,
    FileSystemReplicationProps,
    SharedFileSystem,
    SharedFileSystemProps,
)
from modules.kms import EncryptionKey, ServiceGrant
from modules.queue import WorkQueue, WorkQueueProps, s3_sender_key_grant
from modules.s3_bucket import LifecycleRule, SecureBucket, SecureBucketProps
from modules.s3_bucket.replication import BucketCopy, BucketReplication, BucketReplicationProps
from stacks.base import PlatformStack, variable
from stacks.network import NetworkStack
from stacks.storage import access_log_bucket, bucket_key

SECRET_ROTATION_SOURCE = Path(__file__).resolve().parents[1] / "lambda_src" / "secret_rotation"


class DataTier(PlatformStack):
    """What the data stacks of both sites share (DataStack, and StandbyDataStack in the DR region): a
    customer key per data domain made on first use, the queues, the app tier's access to them and to the
    buckets, published as SSM parameters and gathered into one managed policy. A subclass sets `keys`,
    `published` and `app_statements` before using them."""

    keys: dict[str, EncryptionKey]
    published: dict[str, str]
    app_statements: list[DataAwsIamPolicyDocumentStatement]

    def _read_network(self) -> None:
        """The site's VPC, private-data subnets and the app tier's group (the stores' only clients)."""
        network = self.remote_state(NetworkStack)
        self.vpc_id = network.get_string("vpc_id")
        self.data_subnet_ids = network.get_list("data_subnet_ids")
        self.app_security_group_id = network.get_string("app_security_group_id")

    def key(self, domain: str) -> EncryptionKey:
        """The customer-managed key of one data domain, created on first use with the service grants
        that domain needs (_service_grants)."""
        if domain not in self.keys:
            config = self.config
            self.keys[domain] = bucket_key(self, f"{domain}-key", f"{config.name_prefix}-{domain}",
                                           self.key_description(domain), config.account_id,
                                           self.partition, service_grants=self._service_grants(domain))
        return self.keys[domain]

    def key_description(self, domain: str) -> str:
        return f"{domain} of {self.config.name_prefix}"

    def _service_grants(self, domain: str) -> tuple[ServiceGrant, ...]:
        """CloudWatch Logs for the caches' logs."""
        config = self.config
        if domain == "cache":
            return tuple(valkey_key_grants(config.regions.primary, config.account_id, self.cache_log_prefix))
        return ()

    def _work_queue(self, name: str, s3_senders: tuple[str, ...] = ()) -> WorkQueue:
        """A work queue with its dead-letter queue, exported (queue_<name>_url/arn/name/dead_letter_name),
        published as data/queue/<name> and usable by the app tier."""
        config, spec = self.config, self.config.data.queues[name]
        queue = WorkQueue(self, f"queue-{name}", WorkQueueProps(
            name=f"{config.name_prefix}-{name}", encryption_key=self.key("messaging"),
            visibility_timeout_seconds=spec.visibility_timeout_seconds,
            message_retention_days=spec.message_retention_days, max_receive_count=spec.max_receive_count,
            dead_letter_retention_days=spec.dead_letter_retention_days, account_id=config.account_id,
            partition=self.partition, region=config.regions.primary, s3_senders=s3_senders))
        output_key = variable(name)
        self.export(f"queue_{output_key}_url", queue.url, "string", f"URL of the {name} queue")
        self.export(f"queue_{output_key}_arn", queue.arn, "string", f"ARN of the {name} queue")
        self.export(f"queue_{output_key}_name", queue.queue.name, "string",
                    f"Name of the {name} queue (CloudWatch dimension QueueName)")
        self.export(f"queue_{output_key}_dead_letter_name", queue.dead_letter_queue.name, "string",
                    f"Name of the {name} queue's dead-letter queue (alarmed on by the ops stack)")
        self.app_statements += queue.access_policy_statements()
        self.published[f"queue/{name}"] = queue.url
        return queue

    @property
    def cache_log_prefix(self) -> str:
        return f"/aws/elasticache/{self.config.name_prefix}"

    def _caches(self) -> None:
        """Every Valkey cache (its replicas in other AZs), exported and published as data/cache/<name>; a
        standby's starts empty (caches, sessions and pub/sub rebuild; nothing durable lives there)."""
        config = self.config
        for name, spec in config.data.caches.items():
            key = self.key("cache")
            cache = ValkeyCache(self, f"cache-{name}", ValkeyCacheProps(
                name=f"{config.name_prefix}-{name}", engine_version=spec.engine_version, node_type=spec.node_type,
                replicas=spec.replicas, vpc_id=self.vpc_id, subnet_ids=self.data_subnet_ids,
                client_security_group_ids=[self.app_security_group_id], encryption_key=key,
                snapshot_retention_days=spec.snapshot_retention_days, log_group_prefix=self.cache_log_prefix))
            output_key = variable(name)
            self.export(f"cache_{output_key}_endpoint", cache.primary_endpoint, "string",
                        f"Primary endpoint of the {name} cache (TLS, IAM authentication)")
            self.export(f"cache_{output_key}_user", cache.app_user_id, "string",
                        f"User the app authenticates as (IAM) on the {name} cache")
            self.export(f"cache_{output_key}_replication_group_id", cache.replication_group.replication_group_id,
                        "string", f"Replication group of the {name} cache (its nodes are <id>-001, -002, ...)")
            self.published[f"cache/{name}/endpoint"] = cache.primary_endpoint
            self.published[f"cache/{name}/reader_endpoint"] = cache.reader_endpoint
            self.published[f"cache/{name}/user"] = cache.app_user_id
            self.app_statements.append(cache.connect_policy_statement())

    def _publish_file_system(self, name: str, efs: SharedFileSystem) -> None:
        """A file system's exports (file_system_<name>_id/arn, its access points) and data/file_system/
        parameters; the app tier mounts it through its access points."""
        output_key = variable(name)
        self.export(f"file_system_{output_key}_id", efs.file_system_id, "string", f"EFS file system {name}")
        self.export(f"file_system_{output_key}_access_point_ids", efs.access_point_ids, "map",
                    f"Access points of {name}, by name")
        self.export(f"file_system_{output_key}_arn", efs.arn, "string", f"ARN of EFS file system {name}")
        self.published[f"file_system/{name}/id"] = efs.file_system_id
        for point in self.config.data.file_systems[name].access_points:
            point_variable = f"file_system_{output_key}_access_point_{variable(point)}"
            self.export(f"{point_variable}_id", efs.access_point_ids[point], "string", f"Access point {point}")
            self.export(f"{point_variable}_arn", efs.access_points[point].arn, "string",
                        f"ARN of access point {point} (IAM conditions)")
            self.published[f"file_system/{name}/access_point/{point}"] = efs.access_point_ids[point]
            self.app_statements.append(efs.mount_policy_statement(point))

    def _secret_access(self, arns: dict[str, str], key_arn: str) -> None:
        """The app secrets (the primary's, or their replicas in a standby): exported (secret_<name>_arn,
        secret_arns), published as data/secret/<name>, readable and decryptable through Secrets Manager."""
        if not arns:
            return
        for name, arn in arns.items():
            self.published[f"secret/{name}"] = arn
            self.export(f"secret_{variable(name)}_arn", arn, "string", f"ARN of secret {name}")
        self.export("secret_arns", arns, "map", "Application secrets by name (values put by an operator)")
        self.app_statements.append(DataAwsIamPolicyDocumentStatement(
            sid="ReadApplicationSecrets", actions=["secretsmanager:GetSecretValue"],
            resources=sorted(arns.values(), key=str)))
        self.app_statements.append(use_key_via(key_arn, "secretsmanager", self.config.regions.primary,
                                                ("kms:Decrypt",)))

    def _monitoring_role(self) -> EnhancedMonitoringRole:
        """The enhanced-monitoring role of every database of the stack, made on first use."""
        if not hasattr(self, "_monitoring"):
            self._monitoring = EnhancedMonitoringRole(self, "database-monitoring", EnhancedMonitoringRoleProps(
                role_name=f"{self.config.name_prefix}-rds-monitoring", partition=self.partition,
                account_id=self.config.account_id))
        return self._monitoring

    def _bucket_access(self, name: str, bucket_name: str, bucket_arn: str, writable: bool = True) -> None:
        """The app tier reads and writes bucket `name` (its objects), found under data/bucket/<name>; only reads
        it when not `writable` (a bucket only replication writes: the copies of another bucket)."""
        actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"] if writable else ["s3:GetObject", "s3:ListBucket"]
        self.app_statements.append(DataAwsIamPolicyDocumentStatement(
            sid=_sid("Bucket", name), actions=actions, resources=[bucket_arn, f"{bucket_arn}/*"]))
        self.published[f"bucket/{name}"] = bucket_name

    def _app_policy(self, description: str) -> None:
        """One managed policy with everything the app tier needs from the data tier, for compute to attach."""
        if not self.app_statements:
            return
        document = DataAwsIamPolicyDocument(self, "app-data-access-document", statement=self.app_statements)
        policy = IamPolicy(self, "app-data-access", name=f"{self.config.name_prefix}-app-data-access",
                           description=description, policy=document.json)
        self.export("app_data_access_policy_arn", policy.arn, "string",
                    "IAM policy granting the app tier its data-tier access; attach to app roles")


class DataStack(DataTier):
    layer = "data"

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        super().__init__(scope, config)
        self._read_network()
        self.keys: dict[str, EncryptionKey] = {}
        self.published: dict[str, str] = {}
        self.app_statements: list[DataAwsIamPolicyDocumentStatement] = []
        data = config.data

        self.access_logs = access_log_bucket(self, "access-logs", config.data_bucket_name("access-logs"),
                                             config.account_id)
        self.export("access_log_bucket_name", self.access_logs.name, "string",
                    "SSE-S3 bucket receiving S3 server access logs (and, with the compute tier, ALB logs)")
        self.queues = {name: self._queue(name) for name in data.queues}
        self.replicas: dict[str, SecureBucket] = {}
        self.buckets = {name: self._bucket(name, spec) for name, spec in data.buckets.items()}
        for name, spec in data.buckets.items():  # after every bucket: a copy target may come later
            if name in self.replicas or spec.copy_to:
                self._replicate(name, spec)
        if self.buckets:
            self.app_statements.append(use_key_via(self.key("storage").arn, "s3", config.regions.primary))
        self.restore_targets: list[RestoreTarget] = []  # what backed_up holds, as restore tests restore it
        backed_up: list[str] = []
        backed_up += self._databases()
        backed_up += self._aurora()
        self._caches()
        backed_up += self._file_systems()
        self._secrets()
        self._parameters()
        self._app_policy("App tier: connect to the databases and caches (IAM), use the queues, buckets, file "
                         "systems and secrets of this environment")
        if backed_up:
            self._backup(backed_up)
        self.export("kms_key_arns", {domain: key.arn for domain, key in self.keys.items()}, "map",
                    "Customer-managed key of each data domain")
        for domain, key in self.keys.items():
            self.export(f"kms_key_{domain}_arn", key.arn, "string", f"Customer-managed key of the {domain} domain")

    # -- keys -------------------------------------------------------------------------------------------

    def _service_grants(self, domain: str) -> tuple[ServiceGrant, ...]:
        """The caches' (DataTier), S3 for bucket notifications to queues, CloudFront for served buckets."""
        config = self.config
        if domain == "messaging" and any(b.notify_queue for b in config.data.buckets.values()):
            return (s3_sender_key_grant(config.account_id),)
        if domain == "storage" and any(b.cdn for b in config.data.buckets.values()):
            # the edge stack's distributions read SSE-KMS objects of the buckets it serves (edge after data)
            return (cloudfront_reader_key_grant(config.account_id, partition=self.partition),)
        return super()._service_grants(domain)

    @property
    def secondary_provider(self) -> AwsProvider:
        """The provider aliased to regions.secondary (replicas, backup copies), made on first use."""
        if not hasattr(self, "_secondary"):
            region = self.config.regions.secondary
            assert region  # configuration rejects replicas, copies and standbys without a secondary region
            self._secondary = self.aws_provider("aws-secondary", region, alias="secondary")
        return self._secondary

    @property
    def storage_replica_key(self) -> EncryptionKey:
        """The key of the storage replicated to regions.secondary (bucket replicas, file-system replicas), made
        there on first use and exported for the DR standby, whose app tier uses those replicas."""
        if not hasattr(self, "_replica_key"):
            config, region = self.config, self.config.regions.secondary
            self._replica_key = bucket_key(self, "storage-replica-key", f"{config.name_prefix}-storage-replica",
                                           f"Replicated storage of {config.name_prefix} in {region}",
                                           config.account_id, self.partition, self.secondary_provider)
            self.export("kms_key_storage_replica_arn", self._replica_key.arn, "string",
                        f"Key of the bucket replicas in {region} (a DR standby's app tier reads and writes them)")
        return self._replica_key

    def _secret_replica(self) -> SecretReplica | None:
        """With a DR standby: where every secret keeps its replica (the standby reads it there), under one
        key this stack makes in that region (applied before the standby, which reads it from here)."""
        config = self.config
        if not config.dr.enabled:
            return None
        region = config.regions.secondary
        assert region  # dr_rules
        if not hasattr(self, "_secrets_replica_key"):
            self._secrets_replica_key = bucket_key(
                self, "secrets-replica-key", f"{config.name_prefix}-secrets-replica",
                f"Replicated secrets of {config.name_prefix} in {region}", config.account_id, self.partition,
                self.secondary_provider)
            self.export("kms_key_secrets_replica_arn", self._secrets_replica_key.arn, "string",
                        f"Key of the secret replicas in {region} (the DR standby's app tier decrypts them)")
        return SecretReplica(region=region, encryption_key_arn=self._secrets_replica_key.arn)

    # -- buckets ----------------------------------------------------------------------------------------

    def _bucket(self, name: str, spec: Bucket) -> SecureBucket:
        config = self.config
        key = self.key("storage")
        bucket = SecureBucket(self, f"bucket-{name}", SecureBucketProps(
            bucket_name=config.data_bucket_name(name), encryption_key=key, access_logs_to=self.access_logs,
            lifecycle_rules=[_lifecycle(rule) for rule in spec.lifecycle]))
        if config.bucket_replicated(name):
            self.replicas[name] = self._replica_bucket(name)
        if spec.notify_queue:
            queue = self.queues[spec.notify_queue]
            S3BucketNotification(self, f"bucket-{name}-notification", bucket=bucket.bucket.id,
                                 queue=[S3BucketNotificationQueue(queue_arn=queue.arn, events=["s3:ObjectCreated:*"])],
                                 depends_on=[queue.policy])
        self.export(f"bucket_{variable(name)}_name", bucket.name, "string", f"Bucket: {spec.purpose}")
        if spec.cdn:
            self._serve_through_cloudfront(name, bucket)
        copied_from = [source for source, b in config.data.buckets.items() if b.copy_to == name]
        self._bucket_access(name, bucket.name, bucket.arn, writable=not copied_from)
        return bucket

    def _serve_through_cloudfront(self, name: str, bucket: SecureBucket) -> None:
        """A bucket the edge stack serves: its policy admits CloudFront's reads (Origin Access Control). The
        distributions come later, in the edge stack, so the statement names this account's distributions."""
        config = self.config
        bucket.add_policy_statements(cloudfront_read_statement(
            bucket.arn, "CloudFrontRead", config.account_id, partition=self.partition))
        self.export(f"bucket_{variable(name)}_regional_domain_name", bucket.bucket.bucket_regional_domain_name,
                    "string", f"Regional domain name of the {name} bucket (CloudFront's origin in the edge stack)")

    def _replicate(self, name: str, spec: Bucket) -> None:
        """Bucket `name`'s one replication configuration: to its replica in regions.secondary when replicated,
        and to the bucket it copies to (copy_to: same region, deletions not copied)."""
        config, bucket, key = self.config, self.buckets[name], self.key("storage")
        replica = dict(destination=self.replicas[name], destination_key=self.storage_replica_key,
                       destination_region=config.regions.secondary) if name in self.replicas else {}
        copies = ([BucketCopy(bucket=self.buckets[spec.copy_to], key=key, rule_id=f"copy-to-{spec.copy_to}")]
                  if spec.copy_to else [])
        BucketReplication(self, f"bucket-{name}-replication", BucketReplicationProps(
            source=bucket, source_key=key, source_region=config.regions.primary, copies=copies,
            role_name=f"{config.name_prefix}-{name}-replication", account_id=config.account_id, **replica))

    def _replica_bucket(self, name: str) -> SecureBucket:
        """The replica of bucket `name` in regions.secondary, logging to that region's access-log bucket."""
        config = self.config
        region = config.regions.secondary
        assert region  # configuration rejects replicate without a secondary region
        if not hasattr(self, "_replica_logs"):
            self._replica_logs = access_log_bucket(self, "replica-access-logs",
                                                   config.data_bucket_name("access-logs", region),
                                                   config.account_id, self.secondary_provider)
        return SecureBucket(self, f"bucket-{name}-replica", SecureBucketProps(
            bucket_name=config.data_bucket_name(name, region), encryption_key=self.storage_replica_key,
            access_logs_to=self._replica_logs, provider=self.secondary_provider))

    # -- queues -----------------------------------------------------------------------------------------

    def _queue(self, name: str) -> WorkQueue:
        """The queue (DataTier), admitting notifications from the buckets configured to send to it."""
        config = self.config
        return self._work_queue(name, tuple(f"arn:{self.partition}:s3:::{config.data_bucket_name(bucket)}"
                                            for bucket, b in config.data.buckets.items() if b.notify_queue == name))

    # -- databases --------------------------------------------------------------------------------------

    def _databases(self) -> list[str]:
        config, arns = self.config, []
        for name, spec in config.data.databases.items():
            protect = spec.deletion_protection if spec.deletion_protection is not None else config.is_production
            db = DatabaseInstance(self, f"database-{name}", DatabaseInstanceProps(
                identifier=f"{config.name_prefix}-{name}", engine=spec.engine, engine_version=spec.version,
                instance_class=spec.instance_class, database_name=spec.database_name,
                master_username=spec.master_username, vpc_id=self.vpc_id, subnet_ids=self.data_subnet_ids,
                client_security_group_ids=[self.app_security_group_id], encryption_key=self.key("databases"),
                monitoring_role=self._monitoring_role(), allocated_storage_gb=spec.allocated_storage_gb,
                max_allocated_storage_gb=spec.max_allocated_storage_gb,
                multi_az=config.database_multi_az(name),
                backup_retention_days=spec.backup_retention_days, deletion_protection=protect,
                monitoring_interval_seconds=spec.monitoring_interval_seconds,
                performance_insights_retention_days=spec.performance_insights_retention_days,
                # the source of the standby's cross-region replica: RDS cannot manage its password
                master_password=self._master_password_variable(name) if config.dr.enabled else None,
                region=config.regions.primary, account_id=config.account_id, partition=self.partition))
            endpoint = db.endpoint
            credentials = self._credentials_secret(name) if config.dr.enabled else None
            if spec.proxy:
                proxy = DatabaseProxy(self, f"database-{name}-proxy", DatabaseProxyProps(
                    name=f"{config.name_prefix}-{name}", database=db, vpc_id=self.vpc_id,
                    subnet_ids=self.data_subnet_ids, client_security_group_ids=[self.app_security_group_id],
                    encryption_key=self.key("databases"), region=config.regions.primary,
                    account_id=config.account_id, credentials_secret_arn=credentials))
                endpoint = proxy.endpoint
                self.app_statements.append(proxy.iam_connect_policy_statement())  # how the services sign in
            self._publish_database(name, endpoint, db.port, credentials or db.master_secret_arn)
            self.export(f"database_{variable(name)}_identifier", db.instance.identifier, "string",
                        f"RDS identifier of the {name} database (CloudWatch dimension DBInstanceIdentifier)")
            self.app_statements.append(db.iam_connect_policy_statement("app"))
            arns.append(db.arn)
            self.restore_targets.append(database_instance_target(f"database-{name}", db.instance))
        return arns

    def _aurora(self) -> list[str]:
        config, arns = self.config, []
        for name, spec in config.data.aurora.items():
            protect = spec.deletion_protection if spec.deletion_protection is not None else config.is_production
            scaling = spec.reader_autoscaling
            cluster = AuroraDatabase(self, f"aurora-{name}", AuroraDatabaseProps(
                identifier=f"{config.name_prefix}-{name}", engine=spec.engine, engine_version=spec.version,
                instance_class=spec.instance_class,
                serverless_v2=(spec.serverless_v2.min_acu, spec.serverless_v2.max_acu) if spec.serverless_v2 else None,
                readers=spec.readers,
                reader_autoscaling=(scaling.max_readers, scaling.target_cpu_percent) if scaling else None,
                database_name=spec.database_name, master_username=spec.master_username, vpc_id=self.vpc_id,
                subnet_ids=self.data_subnet_ids, client_security_group_ids=[self.app_security_group_id],
                encryption_key=self.key("databases"), monitoring_role=self._monitoring_role(),
                monitoring_interval_seconds=spec.monitoring_interval_seconds,
                backup_retention_days=spec.backup_retention_days, deletion_protection=protect,
                availability_zones=list(config.regions.availability_zones), region=config.regions.primary,
                account_id=config.account_id, partition=self.partition,
                # a standby replicates the cluster as an Aurora global database, which has no backtrack
                global_cluster_identifier=global_cluster_identifier(config, name) if config.dr.enabled else None,
                master_password=self._master_password_variable(name) if config.dr.enabled else None,
                backtrack_hours=0 if config.dr.enabled else AuroraDatabaseProps.backtrack_hours))
            credentials = self._credentials_secret(name) if config.dr.enabled else None
            self._publish_database(name, cluster.writer_endpoint, cluster.port,
                                   credentials or cluster.master_secret_arn)
            self.app_statements.append(cluster.iam_connect_policy_statement("app"))
            if cluster.global_cluster is not None:
                self.export(f"database_{variable(name)}_global_cluster_identifier",
                            cluster.global_cluster.global_cluster_identifier, "string",
                            f"Global database of the {name} cluster (the standby's secondary cluster joins it)")
            self.export(f"database_{variable(name)}_identifier", cluster.cluster.cluster_identifier, "string",
                        f"Cluster identifier of the {name} Aurora cluster (CloudWatch dimension DBClusterIdentifier)")
            self.published[f"database/{name}/reader_endpoint"] = cluster.reader_endpoint
            self.export(f"database_{variable(name)}_reader_endpoint", cluster.reader_endpoint, "string",
                        f"Reader endpoint of the {name} Aurora cluster (load-balanced over the readers)")
            arns.append(cluster.arn)
            self.restore_targets.append(aurora_cluster_target(f"aurora-{name}", cluster.cluster))
        return arns

    def _master_password_variable(self, database: str) -> str:
        """An ephemeral, sensitive variable `<database>_master_password` (TF_VAR_...): the master password of
        a database with a DR standby, which RDS will not keep in Secrets Manager (neither for the source of
        a read replica nor for a global database member). Terraform sends it write-only: it is in neither
        the plan nor the state. Generate it once (`aws secretsmanager get-random-password --password-length
        32 --exclude-punctuation`) and keep it in the team's vault."""
        variable_name = f"{variable(database)}_master_password"
        password = TerraformVariable(
            self, variable_name, type="string", sensitive=True, nullable=False,
            description=f"Master password of the {database} database (it has a DR standby, so RDS does not manage "
            "it). Write-only, never stored; set TF_VAR_" + variable_name,
            validation=[TerraformVariableValidationConfig(
                condition=f"${{length(var.{variable_name}) >= 16 && length(var.{variable_name}) <= 41 && "
                f"can(regex(\"^[A-Za-z0-9]+$\", var.{variable_name}))}}",
                error_message=f"{variable_name}: 16 to 41 letters and digits; fix: set TF_VAR_{variable_name} from "
                "`aws secretsmanager get-random-password --password-length 32 --exclude-punctuation`.")])
        password.override_logical_id(variable_name)
        password.add_override("ephemeral", True)  # Terraform >= 1.10; cdktf 0.21 has no argument for it
        return password.string_value

    def _credentials_secret(self, database: str) -> str:
        """With a DR standby RDS manages no master secret, so the database's clients (services with
        `database:<name>` secrets, the proxy) sign in with this one instead: JSON {"username", "password"} of a
        database user, put by the operator (runbook), replicated to the standby with the other secrets and
        published where the managed secret would be (database_<name>_secret_arn, data/database/<name>/
        secret_arn). Under the databases key, like the managed secret."""
        config = self.config
        secret = AppSecret(self, f"database-{database}-credentials", AppSecretProps(
            name=f"{config.project}/{config.environment}/database/{database}",
            description=f"Sign-in of the {database} database's clients: JSON username and password of a database "
            "user (put by an operator)", encryption_key=self.key("databases"),
            recovery_window_days=30 if config.is_production else 7, replica=self._secret_replica()))
        return secret.arn

    def _publish_database(self, name: str, endpoint: str, port: int, secret_arn: str) -> None:
        output_key = variable(name)
        self.export(f"database_{output_key}_endpoint", endpoint, "string", f"Host name of the {name} database")
        self.export(f"database_{output_key}_port", str(port), "string", f"Port of the {name} database")
        self.published[f"database/{name}/endpoint"] = endpoint
        self.published[f"database/{name}/port"] = str(port)
        what = ("sign-in credentials (kept by the operator, replicated to the standby)" if self.config.dr.enabled
                else "master credentials (managed and rotated by RDS)")
        self.export(f"database_{output_key}_secret_arn", secret_arn, "string",
                    f"Secrets Manager ARN of the {name} {what}")
        self.published[f"database/{name}/secret_arn"] = secret_arn

    # -- file systems -----------------------------------------------------------------------------------

    def _file_systems(self) -> list[str]:
        """Every shared file system, backed up; with a DR standby also replicated to its region (the standby
        mounts the replica, which the failover makes writable)."""
        config, arns = self.config, []
        for name, spec in config.data.file_systems.items():
            efs = SharedFileSystem(self, f"file-system-{name}", SharedFileSystemProps(
                name=f"{config.name_prefix}-{name}", vpc_id=self.vpc_id, subnet_ids=self.data_subnet_ids,
                client_security_group_ids=[self.app_security_group_id], encryption_key=self.key("storage"),
                access_points=access_point_specs(spec),
                transition_to_ia_days=spec.transition_to_ia_days))
            self._publish_file_system(name, efs)
            if config.dr.enabled:
                region = config.regions.secondary
                replication = FileSystemReplication(self, f"file-system-{name}-replication", FileSystemReplicationProps(
                    source=efs, destination_region=region, destination_kms_key_arn=self.storage_replica_key.arn))
                self.export(f"file_system_{variable(name)}_replica_id", replication.destination_file_system_id,
                            "string", f"The {name} file system's replica in {region} (the DR standby mounts it)")
            arns.append(efs.arn)
            assert efs.file_system  # the primary site creates its file systems
            self.restore_targets.append(file_system_target(f"file-system-{name}", efs.file_system))
        return arns

    # -- secrets, parameters, the app's policy, backups -------------------------------------------------

    def _secrets(self) -> None:
        config = self.config
        arns = {}
        for name, spec in config.data.secrets.items():
            secret = AppSecret(self, f"secret-{name}", AppSecretProps(
                name=f"{config.project}/{config.environment}/{name}", description=spec.description,
                encryption_key=self.key("config"), recovery_window_days=30 if config.is_production else 7,
                replica=self._secret_replica()))
            arns[name] = secret.arn
        if arns:
            self._secret_access(arns, self.key("config").arn)
        self._rotate_generated_secrets(arns)

    def _rotate_generated_secrets(self, arns: dict[str, str]) -> None:
        """The rotation function and a schedule for every generated secret (it makes their values); the secrets
        whose values come from outside (a vendor's key) have none."""
        config = self.config
        generated = [RotatedSecret(key=name, name=f"{config.project}/{config.environment}/{name}", arn=arns[name],
                                   rotation_days=spec.rotation_days, length=spec.value_length)
                     for name, spec in config.data.secrets.items() if spec.generated and spec.rotation_days]
        if not generated:
            return
        rotation = SecretRotation(self, "secret-rotation", SecretRotationProps(
            function_name=secret_rotation_function_name(config), secrets=generated,
            secrets_key_arn=self.key("config").arn, code_dir=staged_secret_rotation(),
            region=config.regions.primary, account_id=config.account_id, partition=self.partition))
        self.export("secret_rotation_function_name", rotation.function_name, "string",
                    "Function rotating the generated secrets (its errors alarm in the ops stack)")

    def _parameters(self) -> None:
        config = self.config
        self.parameters = ParameterHierarchy(self, "parameters", ParameterHierarchyProps(
            prefix=config.parameter_prefix, name_prefix=config.name_prefix, encryption_key=self.key("config"),
            region=config.regions.primary, account_id=config.account_id, partition=self.partition,
            settings=dict(config.data.parameters), published=self.published))
        self.export("parameter_prefix", config.parameter_prefix, "string",
                    "Root of the SSM parameter hierarchy (app/ settings, data/ endpoints)")
        self.export("parameters_read_policy_arn", self.parameters.server_read_policy.arn, "string",
                    "IAM policy for servers: read the environment's parameters")
        self.export("parameters_developer_policy_arn", self.parameters.developer_policy.arn, "string",
                    "IAM policy for developers: read and change app/ settings only")

    def _backup(self, resource_arns: list[str]) -> None:
        config = self.config
        spec = config.data.backup
        copy = spec.copy_to_secondary if spec.copy_to_secondary is not None else (
            config.is_production and config.regions.secondary is not None)
        copy_to = None
        if copy:
            region = config.regions.secondary
            secondary = self.secondary_provider
            copy_to = (secondary, bucket_key(self, "backup-replica-key", f"{config.name_prefix}-backup-replica",
                                             f"Backup copies of {config.name_prefix} in {region}",
                                             config.account_id, self.partition, secondary))
        plan = BackupPlan(self, "backup", BackupPlanProps(
            name=f"{config.name_prefix}-daily", encryption_key=self.key("backup"), schedule=spec.schedule,
            retention_days=spec.retention_days, resource_arns=resource_arns, copy_to=copy_to,
            account_id=config.account_id, partition=self.partition))
        self.export("backup_vault_name", plan.vault.name, "string", "AWS Backup vault of the environment")
        self._restore_testing(plan)

    def _restore_testing(self, plan: BackupPlan) -> None:
        """Scheduled restores of the backed-up stores from the plan's vault (data.backup.restore_testing; seed 004
        L71, "test disaster recovery by restoring from a backup"), in production by default."""
        config, spec = self.config, self.config.data.backup.restore_testing
        if not (spec.enabled if spec.enabled is not None else config.is_production):
            return
        kinds = spec.resource_types or config.data.backed_up_kinds  # configuration checked they are backed up
        testing = RestoreTesting(self, "restore-testing", RestoreTestingProps(
            name=config.name_prefix, vault_arn=plan.vault.arn,
            targets=[target for target in self.restore_targets if target.resource_type in kinds],
            account_id=config.account_id, partition=self.partition, schedule=spec.schedule,
            start_window_hours=spec.start_window_hours, selection_window_days=spec.selection_window_days,
            validation_window_hours=spec.validation_window_hours))
        self.export("restore_testing_plan_name", testing.plan.name, "string",
                    "AWS Backup restore testing plan: its restore jobs show whether the backups restore")


def _lifecycle(rule) -> LifecycleRule:
    return LifecycleRule(
        id=rule.id, prefix=rule.prefix, transitions=[(t.days, t.storage_class) for t in rule.transitions],
        noncurrent_transitions=[(t.days, t.storage_class) for t in rule.noncurrent_transitions],
        noncurrent_expiration_days=rule.noncurrent_expiration_days, expiration_days=rule.expiration_days)


def access_point_specs(spec: FileSystem) -> dict[str, tuple[str, int, int]]:
    """A configured file system's access points as SharedFileSystemProps takes them: name -> (path, uid, gid)."""
    return {name: (point.path, point.uid, point.gid) for name, point in spec.access_points.items()}


def _sid(kind: str, name: str) -> str:
    return kind + "".join(part.capitalize() for part in name.split("-"))


def global_cluster_identifier(config: BlueprintConfig, aurora: str) -> str:
    """The Aurora global database the primary cluster `aurora` forms with its standby (dr.strategy)."""
    return f"{config.name_prefix}-{aurora}-global"


def secret_rotation_function_name(config: BlueprintConfig) -> str:
    """The function rotating the environment's generated secrets (data.secrets.<name>.generated)."""
    return f"{config.name_prefix}-secret-rotation"


def staged_secret_rotation() -> Path:
    """The secret_rotation package (no dependencies: boto3 comes with the runtime), staged once per process."""
    return staged_once(SECRET_ROTATION_SOURCE, ())


def use_key_via(key_arn: str, service: str, region: str, actions: tuple[str, ...] = (
        "kms:Decrypt", "kms:GenerateDataKey")) -> DataAwsIamPolicyDocumentStatement:
    """Use of a key only through one AWS service in the stack's region (never directly)."""
    return DataAwsIamPolicyDocumentStatement(
        sid=f"KeyThrough{service.capitalize()}", actions=list(actions), resources=[key_arn],
        condition=[DataAwsIamPolicyDocumentStatementCondition(
            test="StringEquals", variable="kms:ViaService", values=[f"{service}.{region}.amazonaws.com"])])
