"""moto 5.2.5 gaps met by the disaster-recovery drill (tests/emulator/test_dr_drill.py): one function per
gap, saying what AWS does and what moto did, applied inside the moto server process (moto_entry)."""

from __future__ import annotations

from collections.abc import Callable

DR_PATCHES: list[Callable[[], None]] = []


def rds_unique_dbi_resource_ids() -> None:
    """RDS gives every DB instance its own DbiResourceId ('db-' and 26 upper-case letters and digits); the
    provider (5.x) keeps it as the aws_db_instance's id, IAM database authentication names it in
    rds-db:connect ARNs, and DescribeDBInstances filters by it (dbi-resource-id). moto 5.2.5 gives every
    instance the same constant, so a second instance (the standby's replica) repeats the primary's. The
    patch draws a fresh id per instance, in AWS's format."""
    import random
    import string

    from moto.rds.models import DBInstance

    original_init = DBInstance.__init__

    def __init__(self: DBInstance, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        original_init(self, *args, **kwargs)
        self.dbi_resource_id = new_dbi_resource_id()

    def new_dbi_resource_id() -> str:
        return "db-" + "".join(random.choices(string.ascii_uppercase + string.digits, k=26))

    DBInstance.__init__ = __init__  # type: ignore[method-assign]
    DBInstance.new_dbi_resource_id = staticmethod(new_dbi_resource_id)  # type: ignore[attr-defined]


DR_PATCHES.append(rds_unique_dbi_resource_ids)


def rds_cross_region_read_replica() -> None:
    """CreateDBInstanceReadReplica with SourceDBInstanceIdentifier = the source's ARN in another region (how
    Terraform creates the standby's replica: replicate_source_db = ARN) makes a new instance in the caller's
    region, in that region's subnet group, under the key and security groups of the request, in one of that
    region's AZs, with its own DbiResourceId; it is Multi-AZ and deletion-protected only if the request says
    so (both default to false; the source's settings are not inherited), and it has no MasterUserSecret of
    its own (the source's master user signs in; RDS manages that secret on the source only). moto 5.2.5
    shallow-copies the source instance (copy.copy) and applies the request in the SOURCE's region first:
    the standby's subnet group is looked up in the primary region (DBSubnetGroupNotFoundFault), and the copy
    shares the source's lists (tags, log exports, roles), its AZ, its DbiResourceId, its Multi-AZ and
    deletion protection (the provider sends MultiAZ only when true, so a single-AZ replica of a Multi-AZ
    primary re-plans multi_az true -> false forever) and its MasterUserSecret, which deleting the replica
    then deletes from the primary. It also copies the source's backup retention, where AWS reports 0 for a
    PostgreSQL replica (which keeps no automated backups). The patch builds the replica in the caller's
    region with containers of its own and the request's defaults; everything else (engine, version, storage,
    names) still comes from the source, as in AWS."""
    import copy

    from moto.core.utils import utcnow
    from moto.rds.models import DBInstance, RDSBackend

    def create_db_instance_read_replica(self: RDSBackend, db_kwargs: dict) -> DBInstance:
        database_id = db_kwargs["db_instance_identifier"]
        primary = self.find_db_from_id(db_kwargs["source_db_instance_identifier"])
        replica = copy.copy(primary)
        replica.backend = self  # first: every name in the request is one of this region's
        replica.__dict__.pop("master_user_secret", None)
        replica.manage_master_user_password = False
        replica.tags = []
        replica.replicas = []
        replica.enabled_cloudwatch_logs_exports = list(primary.enabled_cloudwatch_logs_exports)
        replica._associated_roles = []
        replica.domain_memberships = []
        replica.availability_zone = f"{self.region_name}a"
        replica.dbi_resource_id = DBInstance.new_dbi_resource_id()  # type: ignore[attr-defined]
        replica.created = replica.instance_create_time = utcnow()
        replica.status = "available"
        replica.multi_az = replica.deletion_protection = False  # unless the request says so (update below)
        if replica.engine == "postgres":  # PostgreSQL replicas keep no automated backups (retention 0)
            replica.backup_retention_period = 0
        kwargs = {k: v for k, v in db_kwargs.items() if k != "backend"}
        replica.update(**kwargs)
        replica.set_as_replica()
        self.databases[database_id] = replica
        primary.add_replica(replica)
        return replica

    RDSBackend.create_db_instance_read_replica = create_db_instance_read_replica  # type: ignore[method-assign]


DR_PATCHES.append(rds_cross_region_read_replica)


def rds_refuses_what_a_managed_master_password_forbids() -> None:
    """AWS refuses a read replica of an instance whose master password RDS manages ("InvalidParameterValue:
    Creating read replicas for source instance with engine mysql where ManageMasterUserPassword is enabled
    is not supported"), and an Aurora global database member with a managed password (Aurora User Guide,
    "Password management with Amazon Aurora and AWS Secrets Manager", limitations). moto 5.2.5 accepts both,
    so a standby built on such a source applied here and would fail in AWS. The patch refuses as AWS does
    (the global-database message is the emulator's wording: the guide states the rule, not the text)."""
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import RDSBackend

    def refused(message: str) -> RDSClientError:
        return RDSClientError("InvalidParameterValue", message)

    create_replica = RDSBackend.create_db_instance_read_replica
    create_global_cluster = RDSBackend.create_global_cluster
    create_cluster = RDSBackend.create_db_cluster

    def create_db_instance_read_replica(self: RDSBackend, db_kwargs: dict):  # type: ignore[no-untyped-def]
        source = self.find_db_from_id(db_kwargs["source_db_instance_identifier"])
        if getattr(source, "manage_master_user_password", False):
            raise refused(f"Creating read replicas for source instance with engine {source.engine} where "
                          "ManageMasterUserPassword is enabled is not supported.")
        return create_replica(self, db_kwargs)

    def create_global_cluster_checked(self: RDSBackend, global_cluster_identifier: str,  # type: ignore[no-untyped-def]
                                      source_db_cluster_identifier: str | None, *args, **kwargs):
        if source_db_cluster_identifier is not None:
            (source,) = self.describe_db_clusters(db_cluster_identifier=source_db_cluster_identifier)
            if getattr(source, "manage_master_user_password", False):
                raise refused("ManageMasterUserPassword isn't supported for DB clusters in a global database "
                              f"(source {source.db_cluster_identifier}).")
        return create_global_cluster(self, global_cluster_identifier, source_db_cluster_identifier, *args, **kwargs)

    def create_db_cluster(self: RDSBackend, kwargs: dict):  # type: ignore[no-untyped-def]
        if kwargs.get("global_cluster_identifier") and kwargs.get("manage_master_user_password"):
            raise refused("ManageMasterUserPassword isn't supported for DB clusters in a global database.")
        return create_cluster(self, kwargs)

    RDSBackend.create_db_instance_read_replica = create_db_instance_read_replica  # type: ignore[method-assign]
    RDSBackend.create_global_cluster = create_global_cluster_checked  # type: ignore[method-assign]
    RDSBackend.create_db_cluster = create_db_cluster  # type: ignore[method-assign]


DR_PATCHES.append(rds_refuses_what_a_managed_master_password_forbids)


def rds_global_cluster_members_in_any_region() -> None:
    """An Aurora global database is global: RemoveFromGlobalCluster works from any region and names the
    member by its ARN (the DR orchestrator calls it in the standby region, the provider's force_destroy in
    the primary's), and a deleted member leaves the global cluster. moto 5.2.5 keeps global clusters in
    us-east-1 (its responses say so) but looks them up in the caller's region in RemoveFromGlobalCluster
    and DeleteDBCluster, and finds members only among that region's clusters: a secondary cluster in
    another region could never leave, and the global cluster could never be deleted. The patch looks them
    up where moto keeps them and matches members by ARN or identifier."""
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import RDSBackend, rds_backends

    delete_cluster = RDSBackend.delete_db_cluster

    def store(self: RDSBackend) -> dict:
        return rds_backends[self.account_id]["us-east-1"].global_clusters

    def leave(global_cluster, identifier: str) -> bool:  # type: ignore[no-untyped-def]
        for member in list(global_cluster.members):
            if identifier in (member.db_cluster_arn, member.db_cluster_identifier):
                global_cluster.members.remove(member)
                member.global_cluster_identifier = None
                return True
        return False

    def remove_from_global_cluster(self: RDSBackend, global_cluster_identifier: str,  # type: ignore[no-untyped-def]
                                   db_cluster_identifier: str):
        global_cluster = store(self).get(str(global_cluster_identifier).lower())
        if global_cluster is None:
            raise RDSClientError("GlobalClusterNotFoundFault", f"Global cluster {global_cluster_identifier} not found")
        if not leave(global_cluster, db_cluster_identifier):
            raise RDSClientError("DBClusterNotFoundFault", f"{db_cluster_identifier} is not a member of global "
                                 f"cluster {global_cluster_identifier}")
        return global_cluster

    def delete_db_cluster(self: RDSBackend, cluster_identifier: str, snapshot_name: str | None = None):  # type: ignore[no-untyped-def]
        cluster = self.clusters.get(cluster_identifier)
        deleted = delete_cluster(self, cluster_identifier, snapshot_name)
        for global_cluster in store(self).values():
            if cluster is not None:
                leave(global_cluster, cluster.db_cluster_arn)
        return deleted

    RDSBackend.remove_from_global_cluster = remove_from_global_cluster  # type: ignore[method-assign]
    RDSBackend.delete_db_cluster = delete_db_cluster  # type: ignore[method-assign]


DR_PATCHES.append(rds_global_cluster_members_in_any_region)


def rds_forget_cross_region_replicas_by_arn() -> None:
    """A source instance lists a cross-region replica by its ARN in ReadReplicaDBInstanceIdentifiers (moto
    adds it so too), and deleting the replica removes it from that list. moto 5.2.5 removes it by identifier
    only, so deleting a cross-region replica fails with ValueError (HTTP 500). The patch removes whichever
    form is listed."""
    from moto.rds.models import DBInstance

    def remove_replica(self: DBInstance, replica: DBInstance) -> None:
        for name in (replica.db_instance_arn, replica.db_instance_identifier):
            if name in self.replicas:
                self.replicas.remove(name)

    DBInstance.remove_replica = remove_replica  # type: ignore[method-assign]


DR_PATCHES.append(rds_forget_cross_region_replicas_by_arn)


def rds_promote_read_replica() -> None:
    """PromoteReadReplica turns a replica into a standalone instance: RDS answers at once with the instance
    'modifying' and still a replica; minutes later it is 'available' with no
    ReadReplicaSourceDBInstanceIdentifier, and the source no longer lists it among its
    ReadReplicaDBInstanceIdentifiers. An unknown identifier is DBInstanceNotFound, an instance that is not
    a replica (or is already being promoted) InvalidDBInstanceState. moto 5.2.5 only flips an internal
    flag: the promoted instance keeps its replica source forever (so 'promoted' is never observable), the
    source keeps listing it, an unknown identifier is a KeyError (HTTP 500) and a standalone instance is
    'promoted' silently. The patch answers as RDS does; the promotion completes at the next
    DescribeDBInstances of the instance (the emulator's stand-in for RDS's few minutes, so a caller must
    poll as it would in AWS), keeping BackupRetentionPeriod when the request gives one."""
    from moto.rds.exceptions import DBInstanceNotFoundError, RDSClientError
    from moto.rds.models import DBInstance, RDSBackend

    original_describe = RDSBackend.describe_db_instances

    def promote_read_replica(self: RDSBackend, db_kwargs: dict) -> DBInstance:
        identifier = str(db_kwargs["db_instance_identifier"]).lower()
        database = self.databases.get(identifier)
        if database is None:
            raise DBInstanceNotFoundError(identifier)
        if not database.source_db_instance_identifier or getattr(database, "_promoting", None) is not None:
            raise RDSClientError("InvalidDBInstanceState",
                                 f"DB Instance {identifier} is not a read replica." if not getattr(
                                     database, "_promoting", None) else f"DB Instance {identifier} is being promoted.")
        retention = db_kwargs.get("backup_retention_period")
        database._promoting = {"backup_retention_period": int(retention) if retention is not None else None}
        database.status = "modifying"
        return database

    def complete(self: RDSBackend, database: DBInstance) -> None:
        pending = database.__dict__.pop("_promoting")
        try:
            source = self.find_db_from_id(database.source_db_instance_identifier)
        except DBInstanceNotFoundError:
            source = None  # the source is gone (the region lost): promotion still completes
        if source is not None:
            source.remove_replica(database)
        database.source_db_instance_identifier = None
        database.is_replica = False
        if pending["backup_retention_period"] is not None:
            database.backup_retention_period = pending["backup_retention_period"]
        database.status = "available"

    def describe_db_instances(self: RDSBackend, db_instance_identifier: str | None = None,
                              filters: object = None) -> list[DBInstance]:
        found = original_describe(self, db_instance_identifier, filters)
        for database in found:
            if getattr(database, "_promoting", None) is not None:
                complete(self, database)
        return found

    RDSBackend.promote_read_replica = promote_read_replica  # type: ignore[method-assign]
    RDSBackend.describe_db_instances = describe_db_instances  # type: ignore[method-assign]


DR_PATCHES.append(rds_promote_read_replica)


def route53_update_health_check_keeps_what_is_not_sent() -> None:
    """UpdateHealthCheck changes only the settings the request contains (ChildHealthChecks and Regions are
    replaced only when sent, ResetElements clears named ones), refuses a stale HealthCheckVersion with
    HealthCheckVersionMismatch, and counts HealthCheckVersion up by one per update. moto 5.2.5 takes an
    omitted ChildHealthChecks or Regions as empty and clears them (a CALCULATED check loses its children
    when only its threshold is raised), and never changes HealthCheckVersion, so optimistic locking (what
    the failover orchestrator relies on when it pins the gate) is not observable. The patch updates as
    Route 53 does."""
    from moto.route53.exceptions import Route53ClientError
    from moto.route53.responses import Route53

    class HealthCheckVersionMismatch(Route53ClientError):
        code = 409

        def __init__(self) -> None:
            super().__init__("HealthCheckVersionMismatch",
                             "The value of HealthCheckVersion in the request doesn't match the value of "
                             "HealthCheckVersion in the health check.")

    original = Route53.update_health_check

    def listed(value: object, member: str) -> list[str] | None:
        if value is None:
            return None
        if isinstance(value, dict):
            value = value.get(member, [])
        return [value] if isinstance(value, str) else list(value or [])

    def update_health_check(self: Route53):  # type: ignore[no-untyped-def]
        health_check = self.backend.get_health_check(self._get_param("HealthCheckId"))
        version = self._get_param("HealthCheckVersion")
        if version is not None and int(version) != health_check.health_check_version:
            raise HealthCheckVersionMismatch()
        children = listed(self._get_param("ChildHealthChecks"), "ChildHealthCheck")
        regions = listed(self._get_param("Regions"), "Region")
        kept_children, kept_regions = health_check.children, health_check.regions
        answer = original(self)
        health_check.children = kept_children if children is None else (children or None)
        health_check.regions = kept_regions if regions is None else (regions or None)
        for element in listed(self._get_param("ResetElements"), "ResetElement") or []:
            if element == "ChildHealthChecks":
                health_check.children = None
            elif element == "Regions":
                health_check.regions = None
            elif element == "ResourcePath":
                health_check.resource_path = None
            elif element == "FullyQualifiedDomainName":
                health_check.fqdn = None
        health_check.health_check_version += 1
        return answer

    Route53.update_health_check = update_health_check  # type: ignore[method-assign]


DR_PATCHES.append(route53_update_health_check_keeps_what_is_not_sent)


def rds_global_cluster_tags() -> None:
    """A global database takes tags (CreateGlobalCluster Tags, AddTagsToResource and ListTagsForResource on
    its region-less ARN arn:aws:rds::<account>:global-cluster:<id>), as the provider's default tags set.
    moto 5.2.5 drops the Tags of CreateGlobalCluster and answers InvalidParameterValue for a region-less
    ARN, so every plan re-adds the tags. The patch keeps them on the global cluster."""
    import re

    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import RDSBackend, rds_backends
    from moto.rds.responses import RDSResponse

    global_arn = re.compile(r"^arn:aws[a-z-]*:rds::\d{12}:global-cluster:(?P<id>.+)$")
    find_for_tagging = RDSBackend._get_resource_for_tagging
    create = RDSResponse.create_global_cluster

    def _get_resource_for_tagging(self: RDSBackend, arn: str):  # type: ignore[no-untyped-def]
        match = global_arn.match(arn)
        if match is None:
            return find_for_tagging(self, arn)
        found = rds_backends[self.account_id]["us-east-1"].global_clusters.get(match["id"].lower())
        if found is None:
            raise RDSClientError("GlobalClusterNotFoundFault", f"Global cluster {match['id']} not found")
        return found

    def create_global_cluster(self: RDSResponse):  # type: ignore[no-untyped-def]
        result = create(self)
        tags = [{"Key": tag["Key"], "Value": tag["Value"]} for tag in self.params.get("tags") or []]
        if tags:
            identifier = str(self.params["global_cluster_identifier"]).lower()
            self.global_backend.global_clusters[identifier].add_tags(tags)
        return result

    RDSBackend._get_resource_for_tagging = _get_resource_for_tagging  # type: ignore[method-assign]
    RDSResponse.create_global_cluster = create_global_cluster  # type: ignore[method-assign]


DR_PATCHES.append(rds_global_cluster_tags)


def rds_global_cluster_source_is_its_writer() -> None:
    """A global database founded on an existing cluster (CreateGlobalCluster SourceDBClusterIdentifier) has
    that cluster as its writer member (GlobalClusterMembers IsWriter true); clusters joining later are
    secondaries. moto 5.2.5 adds the source without marking it the writer, so the global database has no
    writer at all. The patch marks it."""
    from moto.rds.models import RDSBackend

    create = RDSBackend.create_global_cluster

    def create_global_cluster(self: RDSBackend, *args, **kwargs):  # type: ignore[no-untyped-def]
        global_cluster = create(self, *args, **kwargs)
        if len(global_cluster.members) == 1:
            global_cluster.members[0].is_writer = True
        return global_cluster

    RDSBackend.create_global_cluster = create_global_cluster  # type: ignore[method-assign]


DR_PATCHES.append(rds_global_cluster_source_is_its_writer)


def secretsmanager_replica_keys() -> None:
    """A secret replicated to another region (CreateSecret AddReplicaRegions, how Terraform's `replica` block
    makes the standby's copy) is encrypted there with the KmsKeyId of the request, and AWS reports that key
    in ReplicationStatus and in the replica's own DescribeSecret. moto 5.2.5 drops the request's key and
    reports alias/aws/secretsmanager for every replica, so the provider re-plans the replica's kms_key_id
    forever and the standby's key is never seen. The patch keeps the requested key."""
    from moto.secretsmanager.models import FakeSecret, ReplicaSecret, SecretsManagerBackend

    create_replicas = FakeSecret.create_replicas
    describe = ReplicaSecret.to_dict

    def create_replicas_keeping_keys(self: FakeSecret, replica_regions, force_overwrite):  # type: ignore[no-untyped-def]
        replicas = create_replicas(self, replica_regions, force_overwrite)
        for replica, request in zip(replicas, replica_regions or [], strict=True):
            replica.config["KmsKeyId"] = request.get("KmsKeyId") or SecretsManagerBackend.DEFAULT_KMS_KEY_ALIAS
        return replicas

    def to_dict(self: ReplicaSecret) -> dict:
        answer = describe(self)
        answer["KmsKeyId"] = self.config["KmsKeyId"]
        return answer

    FakeSecret.create_replicas = create_replicas_keeping_keys  # type: ignore[method-assign]
    ReplicaSecret.to_dict = to_dict  # type: ignore[method-assign]


DR_PATCHES.append(secretsmanager_replica_keys)


def efs_replication_configurations() -> None:
    """EFS replication (aws_efs_replication_configuration; the orchestrator's detach_file_systems step). AWS:
    CreateReplicationConfiguration, sent to the source's region, creates the destination file system in the
    destination region, encrypted with the request's KmsKeyId and read-only while it replicates (its
    FileSystemProtection.ReplicationOverwriteProtection reads REPLICATING); DescribeReplicationConfigurations
    finds the configuration by the source's or the destination's id, from either region (ReplicationNotFound
    when there is none); DeleteReplicationConfiguration names the SOURCE and may be sent to either region: by
    default it deletes both sides, with DeletionMode LOCAL_CONFIGURATION_ONLY only the caller's (refused within
    one region); the destination file system stays, writable again (protection ENABLED). moto 5.2.5 has no EFS
    replication API at all: Create and Delete are not even routed (an HTML 404 no SDK can parse), Describe is
    not implemented (HTTP 500), and no file system reports a FileSystemProtection. The patch routes and adds the
    three actions, keeping each configuration on the backends of both regions (so /moto-api/reset forgets it)
    and creating the destination with moto's own CreateFileSystem. The status is ENABLED at once and no data
    is copied (moto's file systems hold none); a destination given by FileSystemId (replicating to an existing
    file system) is refused as not emulated."""
    import json
    import time
    import uuid

    from moto.efs import urls
    from moto.efs.exceptions import EFSError, FileSystemNotFound
    from moto.efs.models import EFSBackend, FileSystem, efs_backends
    from moto.efs.responses import EFSResponse

    # Create and Delete: a path of three segments no route of moto's matches (its server answers an HTML 404).
    # Describe's GET /2015-02-01/file-systems/replication-configurations is routed already, as a file system id.
    urls.url_paths["/2015-02-01/file-systems/<file_system_id>/replication-configuration"] = EFSResponse.dispatch

    class ReplicationNotFound(EFSError):
        code = 404

        def __init__(self, file_system_id: str) -> None:
            super().__init__("ReplicationNotFound", f"No replication configuration found for '{file_system_id}'.")

    class ReplicationAlreadyExists(EFSError):
        code = 409

        def __init__(self, file_system_id: str) -> None:
            super().__init__("ReplicationAlreadyExists", f"File system '{file_system_id}' is already replicated.")

    class BadRequest(EFSError):
        code = 400

        def __init__(self, message: str) -> None:
            super().__init__("BadRequest", message)

    def replications(backend: EFSBackend) -> dict[str, dict]:
        """This region's configurations by source id; a cross-region one is on both regions' backends."""
        return backend.__dict__.setdefault("replications", {})

    def answer(body: object, status: int = 200) -> tuple[str, dict[str, object]]:
        return json.dumps(body), {"status": status, "Content-Type": "application/json"}

    def protect(file_system: FileSystem, state: str) -> None:
        file_system.file_system_protection = {"ReplicationOverwriteProtection": state}  # type: ignore[attr-defined]

    def create_replication_configuration(self: EFSResponse) -> tuple[str, dict[str, object]]:
        source_id = self._get_param("SourceFileSystemId")
        source = self.efs_backend.file_systems_by_id.get(source_id)
        if source is None:
            raise FileSystemNotFound(source_id)
        if any(source_id in (c["SourceFileSystemId"], c["Destinations"][0]["FileSystemId"])
               for c in replications(self.efs_backend).values()):
            raise ReplicationAlreadyExists(source_id)
        (request,) = json.loads(self.body)["Destinations"]
        if request.get("FileSystemId"):
            raise BadRequest("replicating to an existing file system is not emulated")
        region = request.get("Region") or request["AvailabilityZoneName"][:-1]
        target = efs_backends[self.current_account][region]
        destination = target.create_file_system(
            creation_token=f"replica-{uuid.uuid4()}", performance_mode=source.performance_mode, encrypted=True,
            kms_key_id=request.get("KmsKeyId"), throughput_mode=source.throughput_mode,
            provisioned_throughput_in_mibps=source.provisioned_throughput_in_mibps,
            availability_zone_name=request.get("AvailabilityZoneName"), backup=False, tags=[])
        protect(destination, "REPLICATING")
        configuration = {
            "SourceFileSystemId": source_id, "SourceFileSystemRegion": self.region,
            "SourceFileSystemArn": source.file_system_arn, "OriginalSourceFileSystemArn": source.file_system_arn,
            "SourceFileSystemOwnerId": self.current_account, "CreationTime": time.time(),
            "Destinations": [{"Status": "ENABLED", "FileSystemId": destination.file_system_id, "Region": region,
                              "OwnerId": self.current_account, "LastReplicatedTimestamp": time.time()}]}
        for backend in {self.efs_backend, target}:
            replications(backend)[source_id] = configuration
        return answer(configuration)

    def describe_replication_configurations(self: EFSResponse) -> tuple[str, dict[str, object]]:
        wanted = self._get_param("FileSystemId")
        found = [c for c in replications(self.efs_backend).values()
                 if wanted in (None, c["SourceFileSystemId"], c["Destinations"][0]["FileSystemId"])]
        if wanted is not None and not found:
            raise ReplicationNotFound(wanted)
        return answer({"Replications": found})

    def delete_replication_configuration(self: EFSResponse) -> tuple[str, dict[str, object]]:
        source_id = self._get_param("SourceFileSystemId")  # the SOURCE's, whichever region is asked
        configuration = replications(self.efs_backend).get(source_id)
        if configuration is None:
            raise ReplicationNotFound(source_id)
        destination = configuration["Destinations"][0]
        regions = {configuration["SourceFileSystemRegion"], destination["Region"]}
        if self.querystring.get("deletionMode", [None])[0] == "LOCAL_CONFIGURATION_ONLY":
            if len(regions) == 1:
                raise BadRequest("LOCAL_CONFIGURATION_ONLY is not supported within one region and account")
            regions = {self.region}
        for region in regions:
            replications(efs_backends[self.current_account][region]).pop(source_id, None)
        if destination["Region"] in regions:  # the destination's side is gone: it is writable again
            replica = efs_backends[self.current_account][destination["Region"]].file_systems_by_id.get(
                destination["FileSystemId"])
            if replica is not None:
                protect(replica, "ENABLED")
        return answer({}, 204)

    for method in (create_replication_configuration, describe_replication_configurations,
                   delete_replication_configuration):
        setattr(EFSResponse, method.__name__, method)


DR_PATCHES.append(efs_replication_configurations)
