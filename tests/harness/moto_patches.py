"""Compatibility patches for moto, applied in the moto server process only.

Each patch is one function with a comment saying what moto gets wrong and why patching
it is safe. apply_all() runs them all; keep the list short and delete patches once moto
is fixed.
"""

from __future__ import annotations

from collections.abc import Callable

PATCHES: list[Callable[[], None]] = []


def apply_all() -> None:
    """Apply every registered patch (called by moto_entry before the server starts)."""
    for patch in PATCHES:
        patch()


def s3_logging_target_policy_with_string_principal() -> None:
    """moto 5.2.5 checks a log target bucket's policy with `stmt["Principal"].get("Service")`, which
    raises AttributeError (HTTP 500) when any statement has `"Principal": "*"` - as every TLS-only
    deny statement does. Real S3 accepts such policies. The replacement performs the same check
    (an Allow of s3:PutObject to logging.s3.amazonaws.com on the bucket) over any principal shape."""
    import json

    from moto.s3.models import LOGGING_SERVICE_PRINCIPAL, FakeBucket

    def as_list(value: object) -> list[object]:
        return value if isinstance(value, list) else [value]

    def log_permissions_enabled_policy(target_bucket: FakeBucket, target_prefix: str | None) -> bool:
        if not target_bucket.policy:
            return False
        arn = f"arn:{target_bucket.partition}:s3:::{target_bucket.name}"
        accepted = {f"{arn}/{target_prefix or ''}*", f"{arn}/*", arn}
        for statement in json.loads(target_bucket.policy.decode())["Statement"]:
            principal = statement.get("Principal", {})
            services = as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
            if (LOGGING_SERVICE_PRINCIPAL in services and statement.get("Effect") == "Allow"
                    and "s3:PutObject" in as_list(statement.get("Action", []))
                    and accepted & set(as_list(statement.get("Resource", [])))):
                return True
        return False

    FakeBucket._log_permissions_enabled_policy = staticmethod(log_permissions_enabled_policy)  # type: ignore[method-assign]


PATCHES.append(s3_logging_target_policy_with_string_principal)


def s3_bucket_policy_ignores_conditional_statements() -> None:
    """moto 5.2.5 enforces bucket-policy statements on object requests but ignores their Condition
    blocks (its own docstring says so), so `Deny s3:* if aws:SecureTransport is false` denies every
    request, TLS or not, and Terraform's S3 backend gets 403 Forbidden. The patch evaluates only
    statements without conditions - the ones moto can judge correctly - and leaves conditional
    statements to real S3; the unit layer asserts their content instead."""
    import json

    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: FakeBucket, action: str, resource: str) -> PermissionResult:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy.decode())
        statements = document.get("Statement", [])
        statements = [s for s in (statements if isinstance(statements, list) else [statements])
                      if "Condition" not in s]
        if not statements:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**document, "Statement": statements})).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


PATCHES.append(s3_bucket_policy_ignores_conditional_statements)


def s3_replication_keeps_what_was_configured() -> None:
    """moto 5.2.5 stores a bucket's replication rules but GetBucketReplication answers every rule with
    `DeleteMarkerReplication: Disabled` and drops `SourceSelectionCriteria` (replicate SSE-KMS
    objects), so Terraform plans to restore them forever. The patch answers with the stored values,
    as S3 does, and keeps moto's own defaults for what a rule did not set."""
    from typing import Any

    from moto.core.common_types import TYPE_RESPONSE
    from moto.core.responses import ActionResult
    from moto.s3.exceptions import ReplicationConfigurationNotFoundError
    from moto.s3.responses import S3Response

    def answer(rule: dict[str, Any]) -> dict[str, Any]:
        answered = {"ID": rule["ID"], "Priority": rule["Priority"], "Status": rule["Status"],
                    "DeleteMarkerReplication": rule.get("DeleteMarkerReplication") or {"Status": "Disabled"},
                    "Filter": {"Prefix": ""}, "Destination": rule["Destination"]}
        if rule.get("SourceSelectionCriteria"):
            answered["SourceSelectionCriteria"] = rule["SourceSelectionCriteria"]
        return answered

    def get_bucket_replication(self: S3Response) -> str | TYPE_RESPONSE:
        self.data["Action"] = "GetBucketReplication"
        replication = self.backend.get_bucket_replication(self.bucket_name)
        if not replication:
            raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
        rules = [answer(rule) for rule in replication["Rule"]]
        return self.serialized(ActionResult({"ReplicationConfiguration": {"Role": replication["Role"],
                                                                          "Rules": rules}}))

    S3Response.get_bucket_replication = get_bucket_replication  # type: ignore[method-assign]


PATCHES.append(s3_replication_keeps_what_was_configured)


def replay_answers_to_retried_calls() -> None:
    """A retried call gets the answer its first attempt was given, instead of being carried out twice.

    Now and then the provider's HTTP client loses a response that moto has already sent (seen on
    keep-alive and on close-per-request servers alike, at about one call in ten thousand); the SDK
    then retries the call, and the retry meets the first attempt's effect: InvalidGroup.Duplicate
    on a create, InvalidPermission.NotFound on a revoke. Both SDKs (the provider's Go SDK and boto3)
    send the same amz-sdk-invocation-id on every attempt of one call with amz-sdk-request
    'attempt=N'; a later attempt of an invocation whose first attempt succeeded (2xx) is answered from
    memory, which is what the client would have read had the network not lost it. Errors are never
    replayed: the SDKs retry some 4xx codes on purpose (throttling, eventual consistency) and 5xx, and
    those retries must reach moto again. Runs inside serialize_requests' lock (that patch wraps this one)."""
    from collections import OrderedDict
    from collections.abc import Iterable
    from typing import Any

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    remembered: OrderedDict[str, tuple[str, list[tuple[str, str]], bytes]] = OrderedDict()
    limit = 10_000
    original = DomainDispatcherApplication.__call__

    def call(self: DomainDispatcherApplication, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        first_attempt = environ.get("HTTP_AMZ_SDK_REQUEST", "attempt=1").startswith("attempt=1;")
        if invocation and not first_attempt and invocation in remembered:
            status, headers, body = remembered[invocation]
            print(f"replaying the answer to invocation {invocation} ({status})", flush=True)
            start_response(status, headers)
            return [body]
        answer: dict[str, Any] = {}

        def recording_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer.update(status=status, headers=list(headers))
            return start_response(status, headers, exc_info)

        body = b"".join(original(self, environ, recording_start_response))
        if invocation and answer and answer["status"].startswith("2"):
            remembered[invocation] = (answer["status"], answer["headers"], body)
            while len(remembered) > limit:
                remembered.popitem(last=False)
        return [body]

    DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign]


PATCHES.append(replay_answers_to_retried_calls)


def serialize_requests() -> None:
    """moto's threaded server mutates its backends from many request threads without locks. Terraform
    sends up to ten calls at once, and EC2 network ACL association replacement then races (seen:
    ReplaceNetworkAclAssociation failing with StopIteration, HTTP 500, about one run in four). AWS
    applies each call atomically; one lock around each request restores that, at no cost that matters
    for an emulator whose calls take milliseconds."""
    import threading
    from collections.abc import Iterable
    from typing import Any

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    lock = threading.Lock()
    original = DomainDispatcherApplication.__call__

    def call(self: DomainDispatcherApplication, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with lock:
            return list(original(self, environ, start_response))

    DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign]


PATCHES.append(serialize_requests)


def backup_selections() -> None:
    """moto 5.2.5 has backup plans and vaults but no backup selections (CreateBackupSelection answers
    HTTP 500), so no plan can be pointed at a database. The patch keeps selections per plan and
    answers Create/Get/List/Delete the way AWS Backup does, echoing the selection as it was sent."""
    import json
    import uuid
    from datetime import datetime, timezone

    from moto.backup.responses import BackupResponse
    from moto.core.responses import ActionResult, EmptyResult

    selections: dict[str, dict[str, dict]] = {}

    def ids(self: BackupResponse) -> tuple[str, str | None]:
        parts = self.path.rstrip("/").split("/")
        plan = parts[parts.index("plans") + 1]
        selection = parts[-1] if parts[-1] != "selections" else None
        return plan, selection

    def create_backup_selection(self: BackupResponse) -> ActionResult:
        plan, _ = ids(self)
        body = json.loads(self.body)
        selection_id = str(uuid.uuid4())
        selections.setdefault(plan, {})[selection_id] = {
            "BackupSelection": body["BackupSelection"], "SelectionId": selection_id, "BackupPlanId": plan,
            "CreationDate": datetime.now(timezone.utc), "CreatorRequestId": body.get("CreatorRequestId")}
        return ActionResult({"SelectionId": selection_id, "BackupPlanId": plan,
                             "CreationDate": selections[plan][selection_id]["CreationDate"]})

    def get_backup_selection(self: BackupResponse) -> ActionResult:
        plan, selection = ids(self)
        found = selections.get(plan, {}).get(selection or "")
        if found is None:
            from moto.backup.exceptions import ResourceNotFoundException

            raise ResourceNotFoundException(msg=f"Failed reading backup selection {selection} of plan {plan}")
        return ActionResult(found)

    def list_backup_selections(self: BackupResponse) -> ActionResult:
        plan, _ = ids(self)
        return ActionResult({"BackupSelectionsList": [
            {"SelectionId": s["SelectionId"], "SelectionName": s["BackupSelection"]["SelectionName"],
             "BackupPlanId": plan, "IamRoleArn": s["BackupSelection"]["IamRoleArn"],
             "CreationDate": s["CreationDate"]} for s in selections.get(plan, {}).values()]})

    def delete_backup_selection(self: BackupResponse) -> EmptyResult:
        plan, selection = ids(self)
        selections.get(plan, {}).pop(selection or "", None)
        return EmptyResult()

    for method in (create_backup_selection, get_backup_selection, list_backup_selections, delete_backup_selection):
        setattr(BackupResponse, method.__name__, method)


PATCHES.append(backup_selections)


def efs_put_backup_policy() -> None:
    """moto 5.2.5 answers DescribeBackupPolicy but not PutBackupPolicy (HTTP 500), so automatic EFS
    backups cannot be switched on. The patch stores the status on the file system and describes it
    back, ENABLED or DISABLED, as EFS does."""
    import json

    from moto.efs.models import FileSystem
    from moto.efs.responses import EFSResponse

    def put_backup_policy(self: EFSResponse) -> tuple[str, dict[str, str]]:
        file_system_id = self._get_param("FileSystemId")
        status = json.loads(self.body)["BackupPolicy"]["Status"]
        file_system = self.efs_backend.file_systems_by_id[file_system_id]
        file_system._backup = status == "ENABLED"
        file_system._backup_status = status
        return json.dumps({"BackupPolicy": {"Status": status}}), {"Content-Type": "application/json"}

    def backup_policy(self: FileSystem) -> dict[str, str] | None:
        status = getattr(self, "_backup_status", "ENABLED" if self._backup else None)
        return {"Status": status} if status else None

    EFSResponse.put_backup_policy = put_backup_policy  # type: ignore[attr-defined]
    FileSystem.backup_policy = property(backup_policy)  # type: ignore[assignment, method-assign]


PATCHES.append(efs_put_backup_policy)


def elasticache_user_groups() -> None:
    """moto 5.2.5 has ElastiCache users but no user groups (CreateUserGroup answers HTTP 500), so a
    replication group cannot use IAM-authenticated users. The patch keeps user groups per region and
    answers Create/Describe/Modify/Delete with AWS's shapes; a group is 'active' at once."""
    from moto.core.responses import ActionResult
    from moto.elasticache.exceptions import ElastiCacheException
    from moto.elasticache.responses import ElastiCacheResponse

    class UserGroupNotFound(ElastiCacheException):
        code = "UserGroupNotFound"

    groups: dict[tuple[str, str], dict[str, dict]] = {}

    def region_groups(self: ElastiCacheResponse) -> dict[str, dict]:
        return groups.setdefault((self.current_account, self.region), {})

    def create_user_group(self: ElastiCacheResponse) -> ActionResult:
        params = self._get_params()
        group_id = params["UserGroupId"]
        group = {"UserGroupId": group_id, "Status": "active", "Engine": params.get("Engine", "redis").lower(),
                 "UserIds": list(params.get("UserIds", [])), "MinimumEngineVersion": "6.0",
                 "Tags": list(params.get("Tags", [])),
                 "ReplicationGroups": [], "ServerlessCaches": [],
                 "ARN": f"arn:aws:elasticache:{self.region}:{self.current_account}:usergroup:{group_id}"}
        region_groups(self)[group_id] = group
        return ActionResult({k: v for k, v in group.items() if k != "Tags"})

    def describe_user_groups(self: ElastiCacheResponse) -> ActionResult:
        group_id = self._get_params().get("UserGroupId")
        if group_id and group_id not in region_groups(self):
            raise UserGroupNotFound(f"User group {group_id} not found.")
        found = [{k: v for k, v in g.items() if k != "Tags"} for i, g in region_groups(self).items()
                 if not group_id or i == group_id]
        return ActionResult({"UserGroups": found})

    def modify_user_group(self: ElastiCacheResponse) -> ActionResult:
        params = self._get_params()
        group = region_groups(self).get(params["UserGroupId"])
        if group is None:
            raise UserGroupNotFound(f"User group {params['UserGroupId']} not found.")
        users = [u for u in group["UserIds"] if u not in params.get("UserIdsToRemove", [])]
        group["UserIds"] = users + [u for u in params.get("UserIdsToAdd", []) if u not in users]
        return ActionResult({k: v for k, v in group.items() if k != "Tags"})

    def delete_user_group(self: ElastiCacheResponse) -> ActionResult:
        group_id = self._get_params()["UserGroupId"]
        group = region_groups(self).pop(group_id, None)
        if group is None:
            raise UserGroupNotFound(f"User group {group_id} not found.")
        return ActionResult({**{k: v for k, v in group.items() if k != "Tags"}, "Status": "deleting"})

    def tagged_group(self: ElastiCacheResponse) -> dict | None:
        arn = self._get_param("ResourceName") or ""
        return region_groups(self).get(arn.split(":usergroup:")[-1]) if ":usergroup:" in arn else None

    original_list, original_add, original_remove = (ElastiCacheResponse.list_tags_for_resource,
                                                    ElastiCacheResponse.add_tags_to_resource,
                                                    ElastiCacheResponse.remove_tags_from_resource)

    def list_tags_for_resource(self: ElastiCacheResponse) -> ActionResult:
        group = tagged_group(self)
        return ActionResult({"TagList": group.get("Tags", [])}) if group is not None else original_list(self)

    def add_tags_to_resource(self: ElastiCacheResponse) -> ActionResult:
        group = tagged_group(self)
        if group is None:
            return original_add(self)
        added = {t["Key"]: t["Value"] for t in self._get_param("Tags", [])}
        kept = [t for t in group.get("Tags", []) if t["Key"] not in added]
        group["Tags"] = kept + [{"Key": k, "Value": v} for k, v in added.items()]
        return ActionResult({"TagList": group["Tags"]})

    def remove_tags_from_resource(self: ElastiCacheResponse) -> ActionResult:
        group = tagged_group(self)
        if group is None:
            return original_remove(self)
        removed = set(self._get_param("TagKeys", []))
        group["Tags"] = [t for t in group.get("Tags", []) if t["Key"] not in removed]
        return ActionResult({"TagList": group["Tags"]})

    for method in (create_user_group, describe_user_groups, modify_user_group, delete_user_group,
                   list_tags_for_resource, add_tags_to_resource, remove_tags_from_resource):
        setattr(ElastiCacheResponse, method.__name__, method)


PATCHES.append(elasticache_user_groups)


def elasticache_replication_group_lifecycle() -> None:
    """Five moto 5.2.5 gaps around replication groups. (1) NumCacheClusters is ignored (one member
    only unless ReplicasPerNodeGroup is given), so Terraform sees 1 of 3 clusters and re-plans
    forever; the patch derives the replicas from it, as AWS does. (1b) The reader endpoint is never
    answered (the provider then has no reader_endpoint_address); the patch answers it. (2) It names member clusters
    (<id>-001, ...) but never creates them, and the provider reads each member with
    DescribeCacheClusters: 404. The patch creates the members as cache clusters of the group.
    (3) DeleteReplicationGroup marks the group 'deleting' forever, so the provider waits until its
    timeout; AWS removes it. The patch removes the group and its members after answering.
    (4) DeleteCacheSubnetGroup is missing."""
    import inspect

    from moto.core.responses import ActionResult, EmptyResult
    from moto.elasticache.exceptions import CacheSubnetGroupNotFound
    from moto.elasticache.models import CacheCluster, ElastiCacheBackend, ReplicationGroup
    from moto.elasticache.responses import ElastiCacheResponse

    original_members = ReplicationGroup._set_node_members_clusters_disabled

    def members(self: ReplicationGroup, member_clusters, replication_group_id, replication_group_domain,  # type: ignore[no-untyped-def]
                node_group, preferred_cache_cluster_azs, num_cache_clusters, replicas_per_node_group):
        if not replicas_per_node_group and num_cache_clusters:
            replicas_per_node_group = num_cache_clusters - 1
        if "reader_endpoint_address" in node_group:  # moto keeps the address but never answers ReaderEndpoint
            node_group["reader_endpoint"] = {"address": node_group["reader_endpoint_address"], "port": self.port}
        original_members(self, member_clusters, replication_group_id, replication_group_domain, node_group,
                         preferred_cache_cluster_azs, num_cache_clusters, replicas_per_node_group)

    ReplicationGroup._set_node_members_clusters_disabled = members  # type: ignore[method-assign]
    original_create = ElastiCacheBackend.create_replication_group
    original_delete = ElastiCacheBackend.delete_replication_group
    cluster_params = [n for n in inspect.signature(CacheCluster.__init__).parameters if n != "self"]

    def create_replication_group(self: ElastiCacheBackend, *args, **kwargs):  # type: ignore[no-untyped-def]
        group = original_create(self, *args, **kwargs)
        if group.transit_encryption_enabled and not group.transit_encryption_mode:
            group.transit_encryption_mode = "required"  # AWS's default once transit encryption is on
        for cluster_id in group.member_clusters:
            if cluster_id in self.cache_clusters:
                continue
            values = dict.fromkeys(cluster_params)
            values.update(account_id=self.account_id, region_name=self.region_name, cache_cluster_id=cluster_id,
                          cache_node_type=group.cache_node_type, replication_group_id=group.replication_group_id,
                          num_cache_nodes=1, engine="redis", engine_version=group.engine_version,
                          cache_subnet_group_name=group.cache_subnet_group_name, port=group.port,
                          transit_encryption_enabled=group.transit_encryption_enabled,
                          security_group_ids=group.security_group_ids, log_delivery_configurations=[],
                          snapshot_retention_limit=group.snapshot_retention_limit, tags=[])
            cluster = CacheCluster(**values)  # built as redis (moto only links redis members), then relabelled
            cluster.engine = group.engine
            # The provider reads these of the group from its first member cluster.
            cluster.at_rest_encryption_enabled = group.at_rest_encryption_enabled
            cluster.auto_minor_version_upgrade = str(group.auto_minor_version_upgrade).lower() == "true"
            cluster.preferred_maintenance_window = group.preferred_maintenance_window
            cluster.snapshot_window = group.snapshot_window
            cluster.snapshot_retention_limit = group.snapshot_retention_limit
            cluster.security_groups = [{"security_group_id": g, "status": "active"}
                                       for g in group.security_group_ids or []]
            cluster.transit_encryption_mode = group.transit_encryption_mode
            self.cache_clusters[cluster_id] = cluster
        return group

    def delete_replication_group(self: ElastiCacheBackend, replication_group_id: str,
                                 retain_primary_cluster: bool | None):  # type: ignore[no-untyped-def]
        members = list(self.replication_groups.get(replication_group_id).member_clusters
                       if replication_group_id in self.replication_groups else [])
        group = original_delete(self, replication_group_id, retain_primary_cluster)
        self.replication_groups.pop(replication_group_id, None)
        for cluster_id in members:
            self.cache_clusters.pop(cluster_id, None)
        return group

    def delete_cache_subnet_group(self: ElastiCacheResponse) -> ActionResult:
        name = self._get_param("CacheSubnetGroupName")
        if self.elasticache_backend.cache_subnet_groups.pop(name, None) is None:
            raise CacheSubnetGroupNotFound(name)
        return EmptyResult()

    ElastiCacheBackend.create_replication_group = create_replication_group  # type: ignore[method-assign]
    ElastiCacheBackend.delete_replication_group = delete_replication_group  # type: ignore[method-assign]
    ElastiCacheResponse.delete_cache_subnet_group = delete_cache_subnet_group  # type: ignore[attr-defined]


PATCHES.append(elasticache_replication_group_lifecycle)


def sqs_redrive_attributes_as_sqs_answers_them() -> None:
    """Two moto 5.2.5 gaps in queue attributes. (1) RedriveAllowPolicy is stored but never answered,
    and asking for it by name is refused as an invalid attribute, so the provider waits for it
    forever (aws_sqs_queue_redrive_allow_policy). (2) RedrivePolicy is answered as json.dumps with
    spaces, where SQS answers compact JSON, so the stored policy never matches the configured one.
    (3) Setting any attribute clears the queue Policy unless it is set in the same call, so a
    redrive-allow policy wipes the access policy. The patch answers and keeps them as SQS does."""
    import json

    from moto.sqs.models import Queue, SQSBackend

    original_attributes = Queue.attributes.fget
    original_get = SQSBackend.get_queue_attributes

    def attributes(self: Queue) -> dict:
        result = original_attributes(self)
        if getattr(self, "redrive_policy", None):
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        if getattr(self, "redrive_allow_policy", None):
            result["RedriveAllowPolicy"] = self.redrive_allow_policy
        return result

    def get_queue_attributes(self: SQSBackend, queue_name: str, attribute_names: list[str]) -> dict:
        wants_allow = "RedriveAllowPolicy" in attribute_names
        found = original_get(self, queue_name, [n for n in attribute_names if n != "RedriveAllowPolicy"] or (
            ["QueueArn"] if wants_allow else []))
        if wants_allow and "All" not in attribute_names:
            if "QueueArn" not in attribute_names:
                found.pop("QueueArn", None)
            policy = getattr(self.get_queue(queue_name), "redrive_allow_policy", None)
            if policy:
                found["RedriveAllowPolicy"] = policy
        return found

    original_set = Queue._set_attributes

    def set_attributes(self: Queue, attributes: dict, now: float | None = None) -> None:
        policy = getattr(self, "policy", None)
        original_set(self, attributes, now)
        if "Policy" not in attributes:
            self.policy = policy

    Queue._set_attributes = set_attributes  # type: ignore[method-assign]
    Queue.attributes = property(attributes)  # type: ignore[method-assign, assignment]
    SQSBackend.get_queue_attributes = get_queue_attributes  # type: ignore[method-assign]


PATCHES.append(sqs_redrive_attributes_as_sqs_answers_them)


def security_group_rule_description_for_group_references() -> None:
    """moto 5.2.5 answers a security group rule's Description only for CIDR rules; for a rule that
    references another group it is kept in the group pair and answered as empty, so Terraform
    re-adds the description on every plan. The patch answers it from either place, as EC2 does."""
    from moto.ec2.models.security_groups import SecurityGroupRule

    def description(self: SecurityGroupRule) -> str | None:
        return self.ip_range.get("Description") or self.source_group.get("Description")

    SecurityGroupRule.description = property(description)  # type: ignore[method-assign, assignment]


PATCHES.append(security_group_rule_description_for_group_references)


def backup_tags_without_trailing_slash() -> None:
    """moto 5.2.5 reads the resource ARN of ListTags as the second-to-last path segment, which is
    right only with a trailing slash; the provider sends none, so every vault and plan has no tags
    and Terraform re-tags them on every plan. The patch takes everything after /tags/."""
    import json
    from urllib.parse import unquote

    from moto.backup.responses import BackupResponse

    def list_tags(self: BackupResponse) -> str:
        resource_arn = unquote(self.path.split("/tags/", 1)[1].rstrip("/"))
        return json.dumps({"Tags": self.backup_backend.list_tags(resource_arn=resource_arn)})

    BackupResponse.list_tags = list_tags  # type: ignore[method-assign]


PATCHES.append(backup_tags_without_trailing_slash)


def rds_performance_insights_and_parameter_sources() -> None:
    """Two moto 5.2.5 gaps in RDS. (1) Performance Insights settings are accepted and dropped, so an
    instance always reads back with Performance Insights off and Terraform turns it on again every
    plan; the patch keeps and answers them. (2) DescribeDBParameters and DescribeDBClusterParameters
    answer the parameters a user set without Source 'user', and the provider keeps only those, so the
    TLS parameter seems missing forever; the patch marks them as RDS does."""
    from moto.rds.models import DBInstance
    from moto.rds.responses import RDSResponse

    insights = ("performance_insights_enabled", "performance_insights_kms_key_id",
                "performance_insights_retention_period")
    original_init, original_update = DBInstance.__init__, DBInstance.update

    def keep(instance: DBInstance, values: dict) -> None:
        if values.get("enable_performance_insights") is not None:  # the request's name for the flag
            values = {**values, "performance_insights_enabled": values["enable_performance_insights"]}
        for name in insights:
            if values.get(name) is not None:
                setattr(instance, name, values[name])
        if not getattr(instance, "performance_insights_enabled", False):
            instance.performance_insights_enabled = False

    def init(self: DBInstance, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        original_init(self, *args, **kwargs)
        keep(self, kwargs)

    def update(self: DBInstance, **kwargs) -> None:  # type: ignore[no-untyped-def]
        original_update(self, **kwargs)
        keep(self, kwargs)

    DBInstance.__init__ = init  # type: ignore[method-assign]
    DBInstance.update = update  # type: ignore[method-assign]

    for action in ("describe_db_parameters", "describe_db_cluster_parameters"):
        original = getattr(RDSResponse, action)

        def with_source(self: RDSResponse, _original=original):  # type: ignore[no-untyped-def]
            result = _original(self)
            parameters = result.result.get("Parameters") if isinstance(result.result, dict) else None
            if parameters is not None:
                result.result["Parameters"] = [
                    {**p, "Source": p.get("Source", "user")} if isinstance(p, dict) else p for p in parameters]
            return result

        setattr(RDSResponse, action, with_source)


PATCHES.append(rds_performance_insights_and_parameter_sources)


def application_autoscaling_target_tags() -> None:
    """moto 5.2.5 keeps no tags for Application Auto Scaling targets: ListTagsForResource answers
    HTTP 500 and the Tags of RegisterScalableTarget are dropped, so the provider cannot read a
    target it created. The patch keeps tags per target ARN and answers List/Tag/Untag."""
    import json

    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse

    tags: dict[str, dict[str, str]] = {}
    original_register = ApplicationAutoScalingResponse.register_scalable_target

    def register_scalable_target(self: ApplicationAutoScalingResponse) -> str:
        answer = original_register(self)
        arn = json.loads(answer)["ScalableTargetARN"]
        tags.setdefault(arn, {}).update(self._get_param("Tags") or {})
        return answer

    def list_tags_for_resource(self: ApplicationAutoScalingResponse) -> str:
        return json.dumps({"Tags": tags.get(self._get_param("ResourceARN"), {})})

    def tag_resource(self: ApplicationAutoScalingResponse) -> str:
        tags.setdefault(self._get_param("ResourceARN"), {}).update(self._get_param("Tags") or {})
        return "{}"

    def untag_resource(self: ApplicationAutoScalingResponse) -> str:
        current = tags.get(self._get_param("ResourceARN"), {})
        for key in self._get_param("TagKeys") or []:
            current.pop(key, None)
        return "{}"

    for method in (register_scalable_target, list_tags_for_resource, tag_resource, untag_resource):
        setattr(ApplicationAutoScalingResponse, method.__name__, method)


PATCHES.append(application_autoscaling_target_tags)


def rds_provisioned_cluster_without_serverless_v1_scaling() -> None:
    """moto 5.2.5 answers ScalingConfigurationInfo (Aurora Serverless v1 capacity) for every cluster,
    all values null for a provisioned one, where RDS answers nothing. The provider then plans to add
    a scaling_configuration block on every plan. The patch answers it only for engine mode serverless."""
    from moto.rds.models import DBCluster

    original = DBCluster.scaling_configuration_info.fget

    def scaling_configuration_info(self: DBCluster):  # type: ignore[no-untyped-def]
        return original(self) if self.engine_mode == "serverless" else None

    DBCluster.scaling_configuration_info = property(scaling_configuration_info)  # type: ignore[method-assign, assignment]


PATCHES.append(rds_provisioned_cluster_without_serverless_v1_scaling)


def efs_delete_file_system_policy() -> None:
    """moto 5.2.5 can put and describe an EFS file system policy but not delete it (HTTP 500), so
    `terraform destroy` of a TLS-only file system fails. The patch removes the stored policy."""
    import json

    from moto.efs.responses import EFSResponse

    def delete_file_system_policy(self: EFSResponse) -> tuple[str, dict[str, str]]:
        file_system_id = self._get_param("FileSystemId")
        self.efs_backend.file_systems_by_id[file_system_id].file_system_policy = None
        return json.dumps({}), {"Content-Type": "application/json"}

    EFSResponse.delete_file_system_policy = delete_file_system_policy  # type: ignore[attr-defined]


PATCHES.append(efs_delete_file_system_policy)


def _compute_patches() -> list[Callable[[], None]]:
    from tests.harness.moto_compute_patches import COMPUTE_PATCHES

    return COMPUTE_PATCHES


PATCHES.extend(_compute_patches())


def _ops_patches() -> list[Callable[[], None]]:
    from tests.harness.moto_ops_patches import OPS_PATCHES

    return OPS_PATCHES


PATCHES.extend(_ops_patches())


def _edge_patches() -> list[Callable[[], None]]:
    from tests.harness.moto_edge_patches import EDGE_PATCHES

    return EDGE_PATCHES


PATCHES.extend(_edge_patches())


def _dr_patches() -> list[Callable[[], None]]:
    from tests.harness.moto_dr_patches import DR_PATCHES

    return DR_PATCHES


PATCHES.extend(_dr_patches())


def _imagebuilder_patches() -> list[Callable[[], None]]:
    from tests.harness.moto_imagebuilder_patches import IMAGEBUILDER_PATCHES

    return IMAGEBUILDER_PATCHES


PATCHES.extend(_imagebuilder_patches())


def _secrets_patches() -> list[Callable[[], None]]:
    from tests.harness.moto_secrets_patches import SECRETS_PATCHES

    return SECRETS_PATCHES


PATCHES.extend(_secrets_patches())


def _backup_patches() -> list[Callable[[], None]]:
    from tests.harness.moto_backup_patches import BACKUP_PATCHES

    return BACKUP_PATCHES


PATCHES.extend(_backup_patches())
