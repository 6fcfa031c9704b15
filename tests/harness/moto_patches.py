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
