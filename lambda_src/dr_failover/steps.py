"""The failover steps, one function each, in the order the handler runs them.

Every step looks at the current state first and skips what is already done, so a re-run after a partial
failure (Lambda's asynchronous retry, or an operator invoking again) resumes where the last run stopped. In a
dry run a step reads but never writes, and says what it *would* do. A step returns an ``Outcome`` or raises
``StepError`` (with ``retriable``); the handler times it, logs it and stops the run on the first failure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import ClientError

from .aws import AwsClients, describe_error, error_code
from .clock import Clock, WaitTimeout, human_duration, wait_until
from .config import AsgFleet, Config, EcsFleet, normalise_dns_name

DONE, SKIPPED, WOULD, FAILED = "done", "skipped", "would", "failed"
PRIMARY_HEALTHY, TOO_EARLY = "primary-healthy", "too-early"
# A promoted instance takes its first backup right away; it accepts connections while "backing-up".
WRITABLE_INSTANCE_STATUSES = frozenset({"available", "backing-up"})
# Waiting out the flap guard must leave the rest of the run this much of the invocation's time.
FLAP_WAIT_LEFTOVER_SECONDS = 60.0
# The scalable dimension of an ECS service's Application Auto Scaling target.
ECS_DIMENSION = "ecs:service:DesiredCount"


class StepError(Exception):
    """A step cannot complete; ``retriable`` says whether invoking again as things are can succeed."""

    def __init__(self, detail: str, retriable: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retriable = retriable


@dataclass(frozen=True)
class Outcome:
    """What a step did (done), found already done (skipped) or would do in a dry run (would)."""

    status: str
    detail: str


@dataclass
class Run:
    """One invocation: configuration, clients, clock, flags, and the facts steps pass on to later steps."""

    config: Config
    aws: AwsClients
    clock: Clock
    dry_run: bool = False
    force: bool = False
    hard_deadline: float | None = None  # clock.monotonic() value the run must not wait beyond
    decision: str | None = None  # set by confirm_primary_down when the run must stop: primary-healthy, too-early
    under_way: bool = False  # active_region already names the standby region
    alarm_state: str | None = None
    alarm_since: datetime | None = None
    active_region: str | None = None  # the parameter's value: current, then as set
    database_endpoint: str | None = None  # the parameter's value, then the promoted writer endpoint

    def wait(self, check: Callable[[], tuple[bool, str]], what: str, timeout: float | None = None) -> str:
        """Poll ``check`` within WAIT_TIMEOUT_SECONDS (and the invocation's time); a timeout is retriable."""
        try:
            return wait_until(
                check,
                clock=self.clock,
                timeout=self.config.wait_timeout_seconds if timeout is None else timeout,
                poll=self.config.poll_seconds,
                what=what,
                hard_deadline=self.hard_deadline,
            )
        except WaitTimeout as timeout_error:
            raise StepError(str(timeout_error), retriable=True) from timeout_error

    def seconds_left(self) -> float:
        return math.inf if self.hard_deadline is None else self.hard_deadline - self.clock.monotonic()


# ---------------------------------------------------------------------------------------------- helpers


def _parameter(run: Run, name: str) -> dict[str, Any]:
    """The SSM parameter (decrypted); a missing one is broken infrastructure, not a transient error."""
    ssm = run.aws.get("ssm", run.config.standby_region)
    try:
        return dict(ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"])
    except ClientError as exc:
        if error_code(exc) == "ParameterNotFound":
            raise StepError(
                f"SSM parameter {name} does not exist in {run.config.standby_region}: the data stack creates it "
                "(terraform apply), or PARAMETERS names the wrong parameter",
                retriable=False,
            ) from exc
        raise


def _alarm(run: Run) -> tuple[str, datetime]:
    """The health alarm's state and since when it has been in that state."""
    config = run.config
    cloudwatch = run.aws.get("cloudwatch", config.health_alarm_region)
    response = cloudwatch.describe_alarms(
        AlarmNames=[config.health_alarm_name], AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    )
    alarms = [*response.get("MetricAlarms", []), *response.get("CompositeAlarms", [])]
    if not alarms:
        raise StepError(
            f"CloudWatch alarm {config.health_alarm_name} does not exist in {config.health_alarm_region}: "
            "check HEALTH_ALARM_NAME and HEALTH_ALARM_REGION (Route 53 health check alarms live in us-east-1)",
            retriable=False,
        )
    alarm = alarms[0]
    # StateTransitionedTimestamp is when the state last *changed*; StateUpdatedTimestamp also moves on
    # reason-only updates while the state stays ALARM. Older APIs and emulators only have the latter.
    since = alarm.get("StateTransitionedTimestamp") or alarm["StateUpdatedTimestamp"]
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    return str(alarm["StateValue"]), since


def _seconds(value: float) -> str:
    return human_duration(value)


# ---------------------------------------------------------------------------------------------- 1


def confirm_primary_down(run: Run) -> Outcome:
    """The alarm must be in ALARM for MIN_OUTAGE_SECONDS (flap guard), unless a failover is already under way.

    The alarm invokes the function the moment it enters ALARM, so a young alarm is the normal case: the step
    waits out the rest of the flap guard inside the invocation (re-reading the alarm every POLL_SECONDS) rather
    than returning, because an alarm that stays in ALARM sends no further event. Only when the invocation has
    not enough time left does the run stop as too-early.
    """
    config = run.config
    names = config.parameters
    active = _parameter(run, names.active_region)
    run.active_region = str(active["Value"])
    if names.database_endpoint and config.database.kind != "none":
        run.database_endpoint = str(_parameter(run, names.database_endpoint)["Value"])
    state, since = _alarm(run)
    run.alarm_state, run.alarm_since = state, since
    alarm = f"alarm {config.health_alarm_name}"
    if run.active_region == config.standby_region:
        run.under_way = True
        return Outcome(
            DONE,
            f"failover already under way or completed ({names.active_region}={config.standby_region}): continuing "
            f"whatever the alarm says ({alarm} is {state})",
        )
    if state != "ALARM":
        run.decision = PRIMARY_HEALTHY
        return Outcome(DONE, f"{alarm} is {state}: the primary is healthy, nothing to do")
    age = (run.clock.now() - since).total_seconds()
    minimum = config.min_outage_seconds
    if run.force:
        return Outcome(DONE, f"{alarm} in ALARM for {_seconds(age)}; force: the {minimum}s outage-age check is skipped")
    if age >= minimum:
        return Outcome(DONE, f"{alarm} in ALARM for {_seconds(age)} (MIN_OUTAGE_SECONDS={minimum})")
    missing = minimum - age
    if run.dry_run:
        return Outcome(
            WOULD,
            f"{alarm} in ALARM for only {_seconds(age)}: would wait {_seconds(missing)} more "
            f"(MIN_OUTAGE_SECONDS={minimum}) before failing over",
        )
    if run.seconds_left() < missing + FLAP_WAIT_LEFTOVER_SECONDS:
        run.decision = TOO_EARLY
        return Outcome(
            DONE,
            f"{alarm} in ALARM for only {_seconds(age)} < MIN_OUTAGE_SECONDS={minimum} and the "
            "invocation has no time left to wait: stopping without action",
        )

    def still_down() -> tuple[bool, str]:
        state_now, since_now = _alarm(run)
        run.alarm_state, run.alarm_since = state_now, since_now
        if state_now != "ALARM":
            return True, f"{alarm} went {state_now}"
        held = (run.clock.now() - since_now).total_seconds()
        return held >= minimum, f"{alarm} in ALARM for {_seconds(held)}"

    try:
        progress = wait_until(
            still_down,
            clock=run.clock,
            timeout=missing + config.poll_seconds,
            poll=config.poll_seconds,
            what="the flap guard",
            hard_deadline=run.hard_deadline,
        )
    except WaitTimeout as timeout:  # the alarm re-entered ALARM meanwhile: its clock restarted
        run.decision = TOO_EARLY
        return Outcome(DONE, f"{timeout.progress} < MIN_OUTAGE_SECONDS={minimum} after waiting: stopping")
    if run.alarm_state != "ALARM":
        run.decision = PRIMARY_HEALTHY
        return Outcome(DONE, f"{progress} while waiting out MIN_OUTAGE_SECONDS={minimum}: the primary recovered")
    return Outcome(DONE, f"{progress} (waited out MIN_OUTAGE_SECONDS={minimum})")


# ---------------------------------------------------------------------------------------------- 2


def promote_database(run: Run) -> Outcome:
    """Make the standby database writable: promote the replica, or detach the Aurora secondary cluster."""
    kind = run.config.database.kind
    if kind == "instance":
        return _promote_instance(run)
    if kind == "aurora-global":
        return _detach_aurora(run)
    return Outcome(SKIPPED, "DATABASE kind none: no database to promote")


def _describe_instance(run: Run) -> dict[str, Any]:
    rds = run.aws.get("rds", run.config.standby_region)
    identifier = run.config.database.identifier
    try:
        return dict(rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0])
    except ClientError as exc:
        if error_code(exc) in ("DBInstanceNotFound", "DBInstanceNotFoundFault"):
            raise StepError(
                f"DB instance {identifier} does not exist in {run.config.standby_region}: check "
                "DATABASE.identifier (the standby replica)",
                retriable=False,
            ) from exc
        raise


def _instance_progress(db: dict[str, Any]) -> str:
    source = db.get("ReadReplicaSourceDBInstanceIdentifier")
    return f"status {db.get('DBInstanceStatus')}" + (f", still a replica of {source}" if source else ", standalone")


def _promote_instance(run: Run) -> Outcome:
    identifier = run.config.database.identifier
    db = _describe_instance(run)
    source = db.get("ReadReplicaSourceDBInstanceIdentifier")
    run.database_endpoint = (db.get("Endpoint") or {}).get("Address") or run.database_endpoint

    def writable() -> tuple[bool, str]:
        nonlocal db
        db = _describe_instance(run)
        ready = db.get("DBInstanceStatus") in WRITABLE_INSTANCE_STATUSES
        return ready and not db.get("ReadReplicaSourceDBInstanceIdentifier"), _instance_progress(db)

    if not source:
        if db.get("DBInstanceStatus") in WRITABLE_INSTANCE_STATUSES:
            converted, note = _make_multi_az(run, db)
            return Outcome(DONE if converted else SKIPPED,
                           f"{identifier} is already a standalone instance ({_instance_progress(db)}){note}")
        if run.dry_run:
            return Outcome(WOULD, f"{identifier} is standalone but {db.get('DBInstanceStatus')}: would wait for it")
        progress = run.wait(writable, f"{identifier} to become available")
        run.database_endpoint = (db.get("Endpoint") or {}).get("Address") or run.database_endpoint
        _, note = _make_multi_az(run, db)
        return Outcome(DONE, f"{identifier} was already promoted; waited until {progress}{note}")

    kept = int(db.get("BackupRetentionPeriod") or 0)  # a PostgreSQL replica keeps none: the primary's then
    retention = kept or (run.config.database.backup_retention_days or 0)
    retention_note = (
        f"keeping its {retention}-day backup retention" if kept
        else f"with the primary's {retention}-day backup retention" if retention
        else "it had backups disabled, so RDS's default retention (1 day) applies: raise it after the failover"
    )
    if run.dry_run:
        convert = " and convert it to Multi-AZ" if run.config.database.multi_az else ""
        return Outcome(
            WOULD,
            f"would promote read replica {identifier} (replica of {source}) to a standalone "
            f"instance, {retention_note}, wait until it is available{convert}",
        )
    rds = run.aws.get("rds", run.config.standby_region)
    if db.get("DBInstanceStatus") != "available":  # a concurrent run's promotion, or maintenance: let it finish
        run.wait(
            lambda: (writable()[0] or db.get("DBInstanceStatus") == "available", _instance_progress(db)),
            f"{identifier} to become available before promoting it",
        )
    note = ""
    if db.get("ReadReplicaSourceDBInstanceIdentifier"):
        arguments: dict[str, Any] = {"DBInstanceIdentifier": identifier}
        if retention:
            arguments["BackupRetentionPeriod"] = retention
        try:
            rds.promote_read_replica(**arguments)
        except ClientError as exc:
            if error_code(exc) not in ("InvalidDBInstanceState", "InvalidDBInstanceStateFault"):
                raise
            note = " (a promotion was already in progress)"
    started = run.clock.monotonic()
    progress = run.wait(writable, f"{identifier} to finish its promotion")
    run.database_endpoint = (db.get("Endpoint") or {}).get("Address") or run.database_endpoint
    waited = _seconds(run.clock.monotonic() - started)
    _, multi_az = _make_multi_az(run, db)
    return Outcome(
        DONE,
        f"promoted {identifier} (was a replica of {source}){note}, {retention_note}; "
        f"{progress} after {waited}; writer endpoint {run.database_endpoint}{multi_az}",
    )


def _make_multi_az(run: Run, db: dict[str, Any]) -> tuple[bool, str]:
    """(changed, note): a promoted pilot-light replica runs in one AZ; where the primary was Multi-AZ
    (DATABASE.multi_az), ask RDS to add a standby in a second AZ. Not waited for: the conversion keeps
    the instance writable and takes longer than any RTO allows. Idempotent: a requested or finished
    conversion is left alone."""
    identifier = run.config.database.identifier
    if not run.config.database.multi_az:
        return False, ""
    if db.get("MultiAZ"):
        return False, f"; {identifier} is Multi-AZ"
    if (db.get("PendingModifiedValues") or {}).get("MultiAZ"):
        return False, f"; {identifier}'s Multi-AZ conversion is under way"
    if run.dry_run:
        return False, f"; would convert {identifier} to Multi-AZ"
    run.aws.get("rds", run.config.standby_region).modify_db_instance(
        DBInstanceIdentifier=identifier, MultiAZ=True, ApplyImmediately=True
    )
    return True, f"; asked RDS to convert {identifier} to Multi-AZ (it stays writable meanwhile)"


def _aurora_state(run: Run) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The standby cluster, and its entry in the global cluster's member list (None: not a member)."""
    database = run.config.database
    rds = run.aws.get("rds", run.config.standby_region)
    try:
        cluster = dict(rds.describe_db_clusters(DBClusterIdentifier=database.cluster_arn)["DBClusters"][0])
    except ClientError as exc:
        if error_code(exc) == "DBClusterNotFoundFault":
            raise StepError(
                f"DB cluster {database.cluster_arn} does not exist: check DATABASE.cluster_arn", retriable=False
            ) from exc
        raise
    try:
        response = rds.describe_global_clusters(GlobalClusterIdentifier=database.global_cluster)
    except ClientError as exc:
        if error_code(exc) != "GlobalClusterNotFoundFault":
            raise
        return cluster, None  # the global cluster is gone: nothing left to detach from
    member = None
    for global_cluster in response.get("GlobalClusters", []):
        if str(global_cluster.get("GlobalClusterIdentifier", "")).lower() != str(database.global_cluster).lower():
            continue  # some APIs and emulators ignore the filter
        for entry in global_cluster.get("GlobalClusterMembers", []):
            if entry.get("DBClusterArn") == cluster.get("DBClusterArn", database.cluster_arn):
                member = dict(entry)
    return cluster, member


def _aurora_writable(cluster: dict[str, Any], member: dict[str, Any] | None) -> tuple[bool, str]:
    """Writable = detached (not a global member) or the global writer, available, with a writer instance.

    A secondary cluster's instances are all readers (IsClusterWriter false) and its writer endpoint refuses
    writes; after the detach RDS promotes one of them, so "a member with IsClusterWriter" is the signal,
    together with no write forwarding or replication source left over.
    """
    writer = [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if m.get("IsClusterWriter")]
    status = cluster.get("Status")
    forwarding = cluster.get("GlobalWriteForwardingStatus")
    detached = member is None or bool(member.get("IsWriter"))
    ready = (
        detached
        and status == "available"
        and bool(writer)
        and not cluster.get("ReplicationSourceIdentifier")
        and forwarding not in ("enabled", "enabling")
    )
    parts = [f"status {status}", "detached" if member is None else ("global writer" if detached else "still a member")]
    parts.append(f"writer {writer[0]}" if writer else "no writer instance yet")
    return ready, ", ".join(parts)


def _detach_aurora(run: Run) -> Outcome:
    database = run.config.database
    cluster, member = _aurora_state(run)
    run.database_endpoint = cluster.get("Endpoint") or run.database_endpoint
    name = cluster.get("DBClusterIdentifier", database.cluster_arn)
    if not cluster.get("DBClusterMembers"):
        raise StepError(
            f"cluster {name} has no DB instances (a headless secondary): nothing could take writes; "
            "add an instance to it (terraform), then invoke again",
            retriable=False,
        )

    def writable() -> tuple[bool, str]:
        nonlocal cluster
        cluster, member_now = _aurora_state(run)
        return _aurora_writable(cluster, member_now)

    ready, progress = _aurora_writable(cluster, member)
    if member is not None and member.get("IsWriter"):
        if ready:
            return Outcome(SKIPPED, f"{name} is already the writer of global cluster {database.global_cluster}")
    elif member is None:
        if ready:
            return Outcome(SKIPPED, f"{name} is already detached from {database.global_cluster} ({progress})")
    elif run.dry_run:
        return Outcome(
            WOULD,
            f"would detach {name} from global cluster {database.global_cluster} "
            "(remove_from_global_cluster: unplanned failover, it becomes a standalone writable "
            f"cluster) and wait until it has a writer; now: {progress}",
        )
    else:
        rds = run.aws.get("rds", run.config.standby_region)
        rds.remove_from_global_cluster(
            GlobalClusterIdentifier=database.global_cluster, DbClusterIdentifier=database.cluster_arn
        )
        started = run.clock.monotonic()
        progress = run.wait(writable, f"{name} to become a writable standalone cluster")
        run.database_endpoint = cluster.get("Endpoint") or run.database_endpoint
        return Outcome(
            DONE,
            f"detached {name} from global cluster {database.global_cluster}; {progress} after "
            f"{_seconds(run.clock.monotonic() - started)}; writer endpoint "
            f"{run.database_endpoint}",
        )
    if run.dry_run:
        return Outcome(WOULD, f"{name} is detached but not writable yet ({progress}): would wait for it")
    progress = run.wait(writable, f"{name} to become writable")
    run.database_endpoint = cluster.get("Endpoint") or run.database_endpoint
    return Outcome(DONE, f"{name} was already detached; waited until {progress}")


# ---------------------------------------------------------------------------------------------- 2b


def detach_file_systems(run: Run) -> Outcome:
    """Make the standby's EFS replicas writable: delete each one's replication configuration (EFS's failover),
    then wait until none is part of a replication any more and EFS reports each writable.

    EFS keeps a replication destination read-only (replication overwrite protection REPLICATING); deleting the
    configuration ends the replication and re-enables the protection (ENABLED), and the file system is
    writable, "several minutes" later (EFS User Guide, "Deleting replication configurations"). The call is
    made in the standby region and names the SOURCE file system, as DeleteReplicationConfiguration expects
    (the provider's aws_efs_replication_configuration deletes the same way). By default EFS deletes both
    sides; when that fails for want of the other side (the primary region lost), the local side is deleted
    alone (DeletionMode LOCAL_CONFIGURATION_ONLY) and the outcome says what is left in the primary region.
    """
    config = run.config
    if not config.file_systems:
        return Outcome(SKIPPED, "FILE_SYSTEMS is empty: no file systems to detach")
    replicas = {file_system: _replica(run, file_system) for file_system in config.file_systems}
    attached = {fs: replication for fs, (replication, _) in replicas.items() if replication is not None}
    ready, progress = _replicas_writable(replicas, config.standby_region)
    if ready:
        return Outcome(SKIPPED, f"already detached and writable: {progress}")
    if run.dry_run:
        plan = [f"would delete the replication of {_source(replication)} to {fs}" for fs, replication in
                attached.items() if _destination_status(replication) != "DELETING"]
        return Outcome(WOULD, "; ".join([*plan, f"would wait until writable (now: {progress})"]))
    done = [_delete_replication(run, fs, replication) for fs, replication in attached.items()]
    started = run.clock.monotonic()
    progress = run.wait(lambda: _replicas_writable({fs: _replica(run, fs) for fs in config.file_systems},
                                                   config.standby_region),
                        f"file system(s) {', '.join(config.file_systems)} to become writable")
    return Outcome(DONE, "; ".join([*done, f"writable after {_seconds(run.clock.monotonic() - started)}: "
                                           f"{progress}"]))


REPLICATING = "REPLICATING"  # ReplicationOverwriteProtection of a destination: read-only
LOCAL_ONLY = "LOCAL_CONFIGURATION_ONLY"
NO_LOCAL_FALLBACK_CODES = frozenset({"ReplicationNotFound", "FileSystemNotFound", "AccessDenied",
                                     "AccessDeniedException", "ThrottlingException", "TooManyRequests",
                                     "ValidationException"})
"""Errors of the default (both sides) delete that deleting the local side alone would not cure."""


def _replica(run: Run, file_system: str) -> tuple[dict[str, Any] | None, str | None]:
    """(the replication configuration the file system belongs to or None, its ReplicationOverwriteProtection)."""
    efs = run.aws.get("efs", run.config.standby_region)
    try:
        found = efs.describe_file_systems(FileSystemId=file_system)["FileSystems"]
        try:
            replications = efs.describe_replication_configurations(FileSystemId=file_system)["Replications"]
        except ClientError as exc:
            if error_code(exc) != "ReplicationNotFound":
                raise
            replications = []
    except ClientError as exc:
        if error_code(exc) == "FileSystemNotFound":
            raise StepError(
                f"EFS file system {file_system} does not exist in {run.config.standby_region}: check FILE_SYSTEMS "
                "(the standby data stack's file_system_<name>_id outputs)",
                retriable=False,
            ) from exc
        raise
    protection = (found[0].get("FileSystemProtection") or {}).get("ReplicationOverwriteProtection")
    return (dict(replications[0]) if replications else None), protection


def _source(replication: dict[str, Any]) -> str:
    return f"{replication.get('SourceFileSystemId')} ({replication.get('SourceFileSystemRegion')})"


def _destination_status(replication: dict[str, Any]) -> str | None:
    destinations = replication.get("Destinations") or [{}]
    return destinations[0].get("Status")


def _replicas_writable(replicas: dict[str, tuple[dict[str, Any] | None, str | None]], region: str
                       ) -> tuple[bool, str]:
    """Writable: in no replication, and its protection not REPLICATING. DISABLED (read-only, waiting to be a
    destination) without a replication is someone's hand: it will not change by waiting."""
    ready, parts = True, []
    for file_system, (replication, protection) in replicas.items():
        if replication is not None:
            ready = False
            parts.append(f"{file_system} replica of {_source(replication)}, {_destination_status(replication)}")
        elif protection == "DISABLED":
            raise StepError(
                f"EFS file system {file_system} is in no replication but its replication overwrite protection is "
                f"DISABLED (read-only); fix: aws efs update-file-system-protection --region {region} --file-system-id "
                f"{file_system} --replication-overwrite-protection ENABLED, then invoke again",
                retriable=False,
            )
        elif protection == REPLICATING:
            ready = False
            parts.append(f"{file_system} detached, still read-only (protection {REPLICATING})")
        else:
            parts.append(f"{file_system} writable")
    return ready, "; ".join(parts)


def _delete_replication(run: Run, file_system: str, replication: dict[str, Any]) -> str:
    """Delete the replication configuration of `file_system` (a destination) from the standby region."""
    source = str(replication.get("SourceFileSystemId"))
    if _destination_status(replication) == "DELETING":
        return f"the replication of {_source(replication)} to {file_system} was already being deleted"
    efs = run.aws.get("efs", run.config.standby_region)
    try:
        efs.delete_replication_configuration(SourceFileSystemId=source)
        return f"deleted the replication of {_source(replication)} to {file_system}"
    except ClientError as exc:
        if error_code(exc) == "ReplicationNotFound":
            return f"the replication of {_source(replication)} to {file_system} was already deleted"
        model = efs.meta.service_model.operation_model("DeleteReplicationConfiguration")
        if error_code(exc) in NO_LOCAL_FALLBACK_CODES or "DeletionMode" not in model.input_shape.members:
            raise
        both_sides = describe_error(exc)
    efs.delete_replication_configuration(SourceFileSystemId=source, DeletionMode=LOCAL_ONLY)
    return (f"deleted the replication of {_source(replication)} to {file_system} in {run.config.standby_region} "
            f"only ({both_sides} deleting both sides): its source side remains in "
            f"{replication.get('SourceFileSystemRegion')}; delete it there when failing back (the runbook)")


# ---------------------------------------------------------------------------------------------- 3


def update_parameters(run: Run) -> Outcome:
    """Point the application at the promoted database and the standby region (only values that differ)."""
    config = run.config
    names = config.parameters
    wanted: list[tuple[str, str]] = []
    if names.database_endpoint and config.database.kind != "none":
        if not run.database_endpoint:
            raise StepError("the promoted database reported no endpoint", retriable=True)
        wanted.append((names.database_endpoint, run.database_endpoint))
    wanted.append((names.active_region, config.standby_region))  # last: it marks the failover as under way
    ssm = run.aws.get("ssm", config.standby_region)
    changes: list[tuple[dict[str, Any], str]] = []
    for name, value in wanted:
        parameter = _parameter(run, name)
        if parameter.get("Value") != value:
            changes.append((parameter, value))
    if not changes:
        run.active_region = config.standby_region
        return Outcome(SKIPPED, "already set: " + ", ".join(f"{name}={value}" for name, value in wanted))
    described = ", ".join(f"{p['Name']}: {p.get('Value')!r} -> {value!r}" for p, value in changes)
    if run.dry_run:
        return Outcome(WOULD, f"would set {described}")
    for parameter, value in changes:
        arguments: dict[str, Any] = {"Name": parameter["Name"], "Value": value, "Overwrite": True}
        if parameter.get("Type") == "SecureString":  # keep its key: an overwrite without KeyId uses aws/ssm
            found = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [parameter["Name"]]}])
            key_ids = [p.get("KeyId") for p in found.get("Parameters", []) if p.get("KeyId")]
            if key_ids:
                arguments["KeyId"] = key_ids[0]
        ssm.put_parameter(**arguments)  # no Type: an overwrite keeps the parameter's type
    run.active_region = config.standby_region
    return Outcome(DONE, f"set {described}")


# ---------------------------------------------------------------------------------------------- 4


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _asg_groups(run: Run, fleets: list[AsgFleet]) -> dict[str, dict[str, Any]]:
    client = run.aws.get("autoscaling", run.config.standby_region)
    groups: dict[str, dict[str, Any]] = {}
    names = [fleet.name for fleet in fleets]
    for chunk in _chunks(names, 50):
        for page in client.get_paginator("describe_auto_scaling_groups").paginate(AutoScalingGroupNames=chunk):
            groups.update({group["AutoScalingGroupName"]: group for group in page.get("AutoScalingGroups", [])})
    missing = [name for name in names if name not in groups]
    if missing:
        raise StepError(
            f"Auto Scaling group(s) {', '.join(missing)} not found in {run.config.standby_region}: "
            "check FLEETS and the standby compute stack",
            retriable=False,
        )
    return groups


def _ecs_services(run: Run, fleets: list[EcsFleet]) -> dict[tuple[str, str], dict[str, Any]]:
    client = run.aws.get("ecs", run.config.standby_region)
    services: dict[tuple[str, str], dict[str, Any]] = {}
    clusters = sorted({fleet.cluster for fleet in fleets})
    for cluster in clusters:
        wanted = [fleet.service for fleet in fleets if fleet.cluster == cluster]
        for chunk in _chunks(wanted, 10):
            response = client.describe_services(cluster=cluster, services=chunk)
            for service in response.get("services", []):
                services[(cluster, service["serviceName"])] = service
    missing = [f.label for f in fleets if (f.cluster, f.service) not in services]
    inactive = [f.label for f in fleets if services.get((f.cluster, f.service), {}).get("status", "ACTIVE") != "ACTIVE"]
    if missing or inactive:
        raise StepError(
            f"ECS service(s) {', '.join(missing + inactive)} not found or not ACTIVE in "
            f"{run.config.standby_region}: check FLEETS and the standby compute stack",
            retriable=False,
        )
    return services


def _scaling_targets(run: Run, fleets: list[EcsFleet]) -> dict[tuple[str, str], dict[str, Any]]:
    """The services' Application Auto Scaling targets, by (cluster, service); a service without one is absent."""
    client = run.aws.get("application-autoscaling", run.config.standby_region)
    ids = {f"service/{fleet.cluster}/{fleet.service}": (fleet.cluster, fleet.service) for fleet in fleets}
    targets: dict[tuple[str, str], dict[str, Any]] = {}
    for chunk in _chunks(sorted(ids), 50):
        pages = client.get_paginator("describe_scalable_targets").paginate(
            ServiceNamespace="ecs", ResourceIds=chunk, ScalableDimension=ECS_DIMENSION
        )
        for page in pages:
            targets.update({ids[t["ResourceId"]]: t for t in page.get("ScalableTargets", []) if t["ResourceId"] in ids})
    return targets


def _target_group_label(arn: str) -> str:
    return arn.rsplit(":", 1)[-1].split("/")[1] if "/" in arn else arn


def _readiness(run: Run) -> tuple[bool, str]:
    """Every target group has a healthy target, every ASG its desired InService instances, ECS its tasks."""
    config = run.config
    ok, parts = True, []
    elb = run.aws.get("elbv2", config.standby_region)
    for arn in config.target_group_arns:
        try:
            targets = elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        except ClientError as exc:
            if error_code(exc) in ("TargetGroupNotFound", "TargetGroupNotFoundException"):
                raise StepError(f"target group {arn} does not exist: check TARGET_GROUP_ARNS", retriable=False) from exc
            raise
        healthy = sum(1 for target in targets if target.get("TargetHealth", {}).get("State") == "healthy")
        ok &= healthy >= 1
        parts.append(f"target group {_target_group_label(arn)} {healthy}/{len(targets)} healthy")
    asgs = [fleet for fleet in config.fleets if isinstance(fleet, AsgFleet)]
    if asgs:
        groups = _asg_groups(run, asgs)
        for fleet in asgs:
            in_service = sum(
                1
                for instance in groups[fleet.name].get("Instances", [])
                if instance.get("LifecycleState") == "InService" and instance.get("HealthStatus") == "Healthy"
            )
            ok &= in_service >= fleet.desired
            parts.append(f"{fleet.label} {in_service}/{fleet.desired} in service")
    ecs = [fleet for fleet in config.fleets if isinstance(fleet, EcsFleet)]
    if ecs:
        services = _ecs_services(run, ecs)
        for fleet in ecs:
            running = int(services[(fleet.cluster, fleet.service)].get("runningCount", 0))
            ok &= running >= fleet.desired
            parts.append(f"{fleet.label} {running}/{fleet.desired} running")
    return ok, "; ".join(parts) or "nothing to wait for"


def scale_standby(run: Run) -> Outcome:
    """Raise the standby fleets to their failover sizes (never lower anything), then wait until they serve."""
    config = run.config
    asgs = [fleet for fleet in config.fleets if isinstance(fleet, AsgFleet)]
    ecs = [fleet for fleet in config.fleets if isinstance(fleet, EcsFleet)]
    asg_changes: list[tuple[AsgFleet, dict[str, int], str]] = []
    if asgs:
        groups = _asg_groups(run, asgs)
        for fleet in asgs:
            group = groups[fleet.name]
            current = {key: int(group[key]) for key in ("MinSize", "DesiredCapacity", "MaxSize")}
            target = dict(zip(current, (fleet.min, fleet.desired, fleet.max), strict=True))
            wanted = {key: max(current[key], target[key]) for key in current}
            changed = {key: value for key, value in wanted.items() if value != current[key]}
            if changed:
                before = "/".join(str(current[key]) for key in current)
                after = "/".join(str(wanted[key]) for key in current)
                asg_changes.append((fleet, changed, f"{fleet.label} min/desired/max {before} -> {after}"))
    ecs_changes: list[tuple[EcsFleet, str]] = []
    minimum_changes: list[tuple[EcsFleet, dict[str, Any], str]] = []
    if ecs:
        services = _ecs_services(run, ecs)
        targets = _scaling_targets(run, ecs)
        for fleet in ecs:
            current_count = int(services[(fleet.cluster, fleet.service)].get("desiredCount", 0))
            if current_count < fleet.desired:
                ecs_changes.append((fleet, f"{fleet.label} desired {current_count} -> {fleet.desired}"))
            target = targets.get((fleet.cluster, fleet.service))
            if target is not None and int(target["MinCapacity"]) < fleet.desired:  # or scale-in undoes the failover
                minimum_changes.append((fleet, target, f"{fleet.label} scaling minimum {target['MinCapacity']} -> "
                                                       f"{fleet.desired}"))
    changes = ([text for _, _, text in asg_changes] + [text for _, _, text in minimum_changes]
               + [text for _, text in ecs_changes])
    if run.dry_run:
        ready, progress = _readiness(run)
        if not changes and ready:
            return Outcome(SKIPPED, f"already at capacity and serving: {progress}")
        plan = "would raise " + "; ".join(changes) if changes else "already at capacity"
        return Outcome(WOULD, f"{plan}; would wait until serving (now: {progress})")
    for fleet, changed, _ in asg_changes:
        run.aws.get("autoscaling", config.standby_region).update_auto_scaling_group(
            AutoScalingGroupName=fleet.name, **changed
        )
    for fleet, target, _ in minimum_changes:
        run.aws.get("application-autoscaling", config.standby_region).register_scalable_target(
            ServiceNamespace="ecs", ResourceId=target["ResourceId"], ScalableDimension=ECS_DIMENSION,
            MinCapacity=fleet.desired, MaxCapacity=max(int(target["MaxCapacity"]), fleet.desired),
        )
    for fleet, _ in ecs_changes:
        run.aws.get("ecs", config.standby_region).update_service(
            cluster=fleet.cluster, service=fleet.service, desiredCount=fleet.desired
        )
    ready, progress = _readiness(run)
    if not changes and ready:
        return Outcome(SKIPPED, f"already at capacity and serving: {progress}")
    started = run.clock.monotonic()
    if not ready:
        try:
            progress = run.wait(lambda: _readiness(run), "the standby fleets to serve")
        except StepError as error:
            raised = f"raised {'; '.join(changes)}; " if changes else ""
            raise StepError(raised + error.detail, error.retriable) from error
    raised = "raised " + "; ".join(changes) if changes else "already at capacity"
    return Outcome(DONE, f"{raised}; serving after {_seconds(run.clock.monotonic() - started)}: {progress}")


# ---------------------------------------------------------------------------------------------- 5


def _records_named(run: Run, name: str) -> list[dict[str, Any]]:
    """Every record set of the zone with this name (all types), following pagination."""
    route53 = run.aws.route53()
    zone_id = run.config.dns.zone_id
    records: list[dict[str, Any]] = []
    arguments: dict[str, Any] = {"HostedZoneId": zone_id, "StartRecordName": name}
    try:
        while True:
            page = route53.list_resource_record_sets(**arguments)
            batch = page.get("ResourceRecordSets", [])
            records += [r for r in batch if normalise_dns_name(r.get("Name", "")) == normalise_dns_name(name)]
            beyond = any(normalise_dns_name(r.get("Name", "")) != normalise_dns_name(name) for r in batch)
            if beyond or not page.get("IsTruncated"):
                return records
            arguments = {
                "HostedZoneId": zone_id,
                "StartRecordName": page["NextRecordName"],
                "StartRecordType": page["NextRecordType"],
            }
            if "NextRecordIdentifier" in page:
                arguments["StartRecordIdentifier"] = page["NextRecordIdentifier"]
    except ClientError as exc:
        if error_code(exc) == "NoSuchHostedZone":
            raise StepError(f"hosted zone {zone_id} does not exist: check DNS.zone_id", retriable=False) from exc
        raise


def _record_targets(record: dict[str, Any]) -> list[str]:
    """Where a record points, normalised (an alias to an ALB is stored as dualstack.<its DNS name>.)."""
    targets = []
    alias = record.get("AliasTarget")
    if alias:
        targets.append(alias.get("DNSName", ""))
    targets += [value.get("Value", "") for value in record.get("ResourceRecords", [])]
    return [normalise_dns_name(target).removeprefix("dualstack.") for target in targets]


def pin_dns(run: Run) -> Outcome:
    """Verify the SECONDARY record serves the standby, then hold the PRIMARY record unhealthy via the gate.

    The PRIMARY record's health check is a CALCULATED check ("the gate") healthy when all of its children are.
    A HealthThreshold above the number of children can never be met, so the gate stays unhealthy and Route 53
    answers with the SECONDARY record even if the primary's endpoint comes back (no split brain: the promoted
    standby database is now the only writer). Terraform ignores the threshold after creation, so no apply
    reopens the gate; failback lowers it deliberately (docs/runbooks/disaster-recovery.md).
    """
    config = run.config
    dns = config.dns
    records = _records_named(run, dns.record_name)
    secondaries = [r for r in records if r.get("Failover") == "SECONDARY"]
    if not any(dns.standby_dns_name in _record_targets(r) for r in secondaries):
        found = "; ".join(f"{r.get('Type')} -> {', '.join(_record_targets(r))}" for r in secondaries) or "none"
        raise StepError(
            f"no SECONDARY failover record {dns.record_name} in zone {dns.zone_id} points at the "
            f"standby load balancer {dns.standby_dns_name} (SECONDARY records found: {found}); pinning "
            "the primary down would take the site offline. Fix the DNS (edge stack, terraform apply), "
            "then invoke again",
            retriable=False,
        )
    foreign = sorted(
        {
            str(r.get("HealthCheckId"))
            for r in records
            if r.get("Failover") == "PRIMARY" and r.get("HealthCheckId") != dns.gate_health_check_id
        }
    )
    if foreign:
        raise StepError(
            f"the PRIMARY record {dns.record_name} uses health check {', '.join(foreign)}, not the gate "
            f"{dns.gate_health_check_id}: pinning the gate would not keep traffic on the standby. Check "
            "DNS.gate_health_check_id",
            retriable=False,
        )
    route53 = run.aws.route53()
    try:
        health_check = route53.get_health_check(HealthCheckId=dns.gate_health_check_id)["HealthCheck"]
    except ClientError as exc:
        if error_code(exc) == "NoSuchHealthCheck":
            raise StepError(
                f"gate health check {dns.gate_health_check_id} does not exist: check DNS.gate_health_check_id",
                retriable=False,
            ) from exc
        raise
    gate = health_check["HealthCheckConfig"]
    if gate.get("Type") != "CALCULATED":
        raise StepError(
            f"gate health check {dns.gate_health_check_id} is {gate.get('Type')}, not CALCULATED: it "
            "cannot be pinned unhealthy by its threshold",
            retriable=False,
        )
    if gate.get("Disabled") or gate.get("Inverted"):  # Route 53 treats a disabled check as healthy
        raise StepError(
            f"gate health check {dns.gate_health_check_id} is {'disabled' if gate.get('Disabled') else 'inverted'}:"
            " a raised threshold would not hold the PRIMARY record unhealthy; fix it (terraform apply of the DNS)",
            retriable=False,
        )
    children = list(gate.get("ChildHealthChecks") or [])
    threshold = int(gate.get("HealthThreshold") or 0)
    verified = f"SECONDARY {dns.record_name} -> {dns.standby_dns_name} verified"
    if threshold > len(children):
        return Outcome(
            SKIPPED,
            f"{verified}; gate {dns.gate_health_check_id} already pinned unhealthy "
            f"(HealthThreshold {threshold} > {len(children)} child checks)",
        )
    pinned = len(children) + 1
    if run.dry_run:
        return Outcome(
            WOULD,
            f"{verified}; would raise gate {dns.gate_health_check_id} HealthThreshold "
            f"{threshold} -> {pinned} (> {len(children)} child checks) to keep traffic on the "
            "standby",
        )
    # ChildHealthChecks is sent unchanged: the update then states the whole intent (and moto drops the
    # children of a CALCULATED check when an update leaves them out). HealthCheckVersion refuses the update
    # if someone (a terraform apply) changed the gate since we read it.
    route53.update_health_check(
        HealthCheckId=dns.gate_health_check_id,
        HealthCheckVersion=health_check["HealthCheckVersion"],
        HealthThreshold=pinned,
        ChildHealthChecks=children,
    )
    return Outcome(
        DONE,
        f"{verified}; raised gate {dns.gate_health_check_id} HealthThreshold {threshold} -> "
        f"{pinned} (> {len(children)} child checks): PRIMARY held unhealthy until failback lowers it "
        "by hand (the runbook)",
    )


STEPS: tuple[tuple[str, Callable[[Run], Outcome]], ...] = (
    ("confirm_primary_down", confirm_primary_down),
    ("promote_database", promote_database),
    ("detach_file_systems", detach_file_systems),
    ("update_parameters", update_parameters),
    ("scale_standby", scale_standby),
    ("pin_dns", pin_dns),
)
NOTIFY = "notify"
