"""moto 5.2.5 gaps in AWS Backup restore testing (data.backup.restore_testing: aws_backup_restore_testing_plan and
aws_backup_restore_testing_selection).

Same rules as moto_patches: one function per gap, a docstring saying what AWS does and what moto did;
`moto_patches.apply_all` runs these in the server process.
"""

from __future__ import annotations

import re
from collections.abc import Callable

BACKUP_PATCHES: list[Callable[[], None]] = []

PROTECTED_RESOURCE_TYPES = ("Aurora", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "Neptune", "RDS", "S3")
"""What RestoreTestingSelectionForCreate.ProtectedResourceType accepts (the AWS Backup API reference)."""
_NAME = re.compile(r"[0-9A-Za-z_]{1,50}")
"""Plan and selection names: letters, digits and underscores, at most 50 (AWS; the provider checks the same)."""


def backup_restore_testing() -> None:
    """Restore testing plans and their selections, as AWS Backup keeps them. AWS: CreateRestoreTestingPlan (PUT
    /restore-testing/plans, 201) stores the plan under its name (AlreadyExistsException for a name in use), with
    its tags, and fills what the request left out: ScheduleExpressionTimezone 'Etc/UTC', StartWindowHours 24,
    RecoveryPointSelection.SelectionWindowDays 30 and ExcludeVaults []; GetRestoreTestingPlan answers all of it
    with CreationTime and CreatorRequestId; UpdateRestoreTestingPlan changes the fields it is sent; a plan is
    deleted (204) only once it has no selections (InvalidRequestException otherwise). A selection (PUT
    .../selections, 201) belongs to an existing plan (ResourceNotFoundException otherwise), names one protected
    resource type and either '*' or at most 30 ARNs, and is answered back with ProtectedResourceConditions
    {StringEquals: [], StringNotEquals: []} when none were sent, ValidationWindowHours 0 when not sent, and its
    RestoreMetadataOverrides as sent. moto 5.2.5 has none of this: the paths are not even routed (its server
    answers an HTML 404 no SDK can parse). The patch routes the ten actions and keeps plans and selections on
    moto's Backup backend of the region (so /moto-api/reset forgets them), tags through moto's own tagger
    (ListTags, TagResource and UntagResource work unchanged). No restore job ever runs: moto holds no recovery
    points, and restore jobs are AWS's part, not Terraform's."""
    import json
    import uuid
    from datetime import datetime, timezone
    from typing import Any

    from moto.backup import urls
    from moto.backup.exceptions import (
        AlreadyExistsException,
        InvalidParameterValueException,
        InvalidRequestException,
        ResourceNotFoundException,
    )
    from moto.backup.models import BackupBackend
    from moto.backup.responses import BackupResponse
    from moto.core.responses import ActionResult, EmptyResult

    for path in ("{0}/restore-testing/plans/?$", "{0}/restore-testing/plans/(?P<plan>[^/]+)/?$",
                 "{0}/restore-testing/plans/(?P<plan>[^/]+)/selections/?$",
                 "{0}/restore-testing/plans/(?P<plan>[^/]+)/selections/(?P<selection>[^/]+)/?$"):
        urls.url_paths[path] = BackupResponse.dispatch

    def plans(backend: BackupBackend) -> dict[str, dict[str, Any]]:
        """This region's plans by name; each keeps its selections under 'selections'."""
        return backend.__dict__.setdefault("restore_testing_plans", {})

    def names(self: BackupResponse) -> tuple[str | None, str | None]:
        """(plan, selection) named by the request's path, None where the path stops before them."""
        parts = self.path.split("?")[0].strip("/").split("/")
        plan = parts[2] if len(parts) > 2 else None
        selection = parts[4] if len(parts) > 4 else None
        return plan, selection

    def plan_named(self: BackupResponse, name: str | None) -> dict[str, Any]:
        found = plans(self.backup_backend).get(name or "")
        if found is None:
            raise ResourceNotFoundException(msg=f"Restore testing plan {name} does not exist.")
        return found

    def check_name(kind: str, name: object) -> str:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise InvalidParameterValueException(msg=f"{kind} name {name!r} must be 1 to 50 letters, digits or "
                                                      "underscores.")
        return name

    def check_range(field: str, value: object, low: int, high: int) -> None:
        if value is not None and not (isinstance(value, int) and low <= value <= high):
            raise InvalidParameterValueException(msg=f"{field} must be between {low} and {high}, got {value!r}.")

    def check_selection_of_points(selection: dict[str, Any]) -> dict[str, Any]:
        if selection.get("Algorithm") not in ("LATEST_WITHIN_WINDOW", "RANDOM_WITHIN_WINDOW"):
            raise InvalidParameterValueException(msg=f"Algorithm {selection.get('Algorithm')!r} is not valid.")
        types = selection.get("RecoveryPointTypes") or []
        if not types or set(types) - {"SNAPSHOT", "CONTINUOUS"}:
            raise InvalidParameterValueException(msg=f"RecoveryPointTypes {types!r} must be SNAPSHOT and/or "
                                                      "CONTINUOUS.")
        if not selection.get("IncludeVaults"):
            raise InvalidParameterValueException(msg="IncludeVaults must name at least one vault, or '*'.")
        check_range("SelectionWindowDays", selection.get("SelectionWindowDays"), 1, 365)
        return {"ExcludeVaults": [], "SelectionWindowDays": 30, **selection}

    def check_protected_resources(selection: dict[str, Any]) -> None:
        arns = selection.get("ProtectedResourceArns")
        if arns is None and selection.get("ProtectedResourceConditions") is None:
            raise InvalidParameterValueException(msg="Either ProtectedResourceArns or ProtectedResourceConditions "
                                                      "is required.")
        if arns is not None and ("*" in arns and len(arns) > 1 or not arns or len(arns) > 30):
            raise InvalidParameterValueException(msg="ProtectedResourceArns is either ['*'] or 1 to 30 ARNs.")
        check_range("ValidationWindowHours", selection.get("ValidationWindowHours"), 0, 168)

    def now() -> datetime:
        return datetime.now(timezone.utc)

    def create_restore_testing_plan(self: BackupResponse) -> ActionResult:
        body = json.loads(self.body)
        sent = dict(body.get("RestoreTestingPlan") or {})
        name = check_name("RestoreTestingPlanName", sent.get("RestoreTestingPlanName"))
        if name in plans(self.backup_backend):
            raise AlreadyExistsException(msg=f"Restore testing plan {name} already exists.")
        if not sent.get("ScheduleExpression"):
            raise InvalidParameterValueException(msg="ScheduleExpression is required.")
        check_range("StartWindowHours", sent.get("StartWindowHours"), 1, 168)
        sent["RecoveryPointSelection"] = check_selection_of_points(sent.get("RecoveryPointSelection") or {})
        arn = (f"arn:aws:backup:{self.region}:{self.current_account}:restore-testing-plan:{name}-"
               f"{uuid.uuid4().hex[:6]}")
        plan = {"ScheduleExpressionTimezone": "Etc/UTC", "StartWindowHours": 24, **sent,
                "RestoreTestingPlanArn": arn, "CreationTime": now(), "CreatorRequestId": body.get("CreatorRequestId"),
                "selections": {}}
        plans(self.backup_backend)[name] = plan
        if body.get("Tags"):
            self.backup_backend.tag_resource(arn, body["Tags"])
        return ActionResult({"CreationTime": plan["CreationTime"], "RestoreTestingPlanArn": arn,
                             "RestoreTestingPlanName": name})

    def get_restore_testing_plan(self: BackupResponse) -> ActionResult:
        plan = plan_named(self, names(self)[0])
        return ActionResult({"RestoreTestingPlan": {k: v for k, v in plan.items() if k != "selections"}})

    def update_restore_testing_plan(self: BackupResponse) -> ActionResult:
        plan = plan_named(self, names(self)[0])
        sent = dict(json.loads(self.body).get("RestoreTestingPlan") or {})
        check_range("StartWindowHours", sent.get("StartWindowHours"), 1, 168)
        if "RecoveryPointSelection" in sent:
            sent["RecoveryPointSelection"] = check_selection_of_points(
                {**plan["RecoveryPointSelection"], **sent["RecoveryPointSelection"]})
        plan.update(sent, LastUpdateTime=now())
        return ActionResult({"CreationTime": plan["CreationTime"], "RestoreTestingPlanArn": plan[
            "RestoreTestingPlanArn"], "RestoreTestingPlanName": plan["RestoreTestingPlanName"],
            "UpdateTime": plan["LastUpdateTime"]})

    def delete_restore_testing_plan(self: BackupResponse) -> EmptyResult:
        name = names(self)[0]
        plan = plan_named(self, name)
        if plan["selections"]:
            raise InvalidRequestException(msg=f"Restore testing plan {name} still has selections "
                                              f"{sorted(plan['selections'])}; delete them first.")
        del plans(self.backup_backend)[name or ""]
        self.backup_backend.tagger.delete_all_tags_for_resource(plan["RestoreTestingPlanArn"])
        return EmptyResult()

    def list_restore_testing_plans(self: BackupResponse) -> ActionResult:
        listed = ("CreationTime", "LastExecutionTime", "LastUpdateTime", "RestoreTestingPlanArn",
                  "RestoreTestingPlanName", "ScheduleExpression", "ScheduleExpressionTimezone", "StartWindowHours")
        return ActionResult({"RestoreTestingPlans": [{k: p[k] for k in listed if k in p}
                                                     for p in plans(self.backup_backend).values()]})

    def selection_named(self: BackupResponse) -> tuple[dict[str, Any], dict[str, Any]]:
        plan_name, name = names(self)
        plan = plan_named(self, plan_name)
        found = plan["selections"].get(name or "")
        if found is None:
            raise ResourceNotFoundException(msg=f"Restore testing selection {name} of plan {plan_name} does not "
                                                "exist.")
        return plan, found

    def create_restore_testing_selection(self: BackupResponse) -> ActionResult:
        plan = plan_named(self, names(self)[0])
        body = json.loads(self.body)
        sent = dict(body.get("RestoreTestingSelection") or {})
        name = check_name("RestoreTestingSelectionName", sent.get("RestoreTestingSelectionName"))
        if name in plan["selections"]:
            raise AlreadyExistsException(msg=f"Restore testing selection {name} already exists.")
        if sent.get("ProtectedResourceType") not in PROTECTED_RESOURCE_TYPES:
            raise InvalidParameterValueException(msg=f"ProtectedResourceType {sent.get('ProtectedResourceType')!r} "
                                                      f"is not one of {list(PROTECTED_RESOURCE_TYPES)}.")
        if not sent.get("IamRoleArn"):
            raise InvalidParameterValueException(msg="IamRoleArn is required.")
        check_protected_resources(sent)
        selection = {"ProtectedResourceConditions": {"StringEquals": [], "StringNotEquals": []},
                     "ValidationWindowHours": 0, **sent, "RestoreTestingPlanName": plan["RestoreTestingPlanName"],
                     "CreationTime": now(), "CreatorRequestId": body.get("CreatorRequestId")}
        plan["selections"][name] = selection
        return ActionResult({"CreationTime": selection["CreationTime"],
                             "RestoreTestingPlanArn": plan["RestoreTestingPlanArn"],
                             "RestoreTestingPlanName": plan["RestoreTestingPlanName"],
                             "RestoreTestingSelectionName": name})

    def get_restore_testing_selection(self: BackupResponse) -> ActionResult:
        return ActionResult({"RestoreTestingSelection": selection_named(self)[1]})

    def update_restore_testing_selection(self: BackupResponse) -> ActionResult:
        plan, selection = selection_named(self)
        sent = dict(json.loads(self.body).get("RestoreTestingSelection") or {})
        check_protected_resources({**selection, **sent})
        selection.update(sent)
        return ActionResult({"CreationTime": selection["CreationTime"],
                             "RestoreTestingPlanArn": plan["RestoreTestingPlanArn"],
                             "RestoreTestingPlanName": plan["RestoreTestingPlanName"],
                             "RestoreTestingSelectionName": selection["RestoreTestingSelectionName"],
                             "UpdateTime": now()})

    def delete_restore_testing_selection(self: BackupResponse) -> EmptyResult:
        plan, selection = selection_named(self)
        del plan["selections"][selection["RestoreTestingSelectionName"]]
        return EmptyResult()

    def list_restore_testing_selections(self: BackupResponse) -> ActionResult:
        listed = ("CreationTime", "IamRoleArn", "ProtectedResourceType", "RestoreTestingPlanName",
                  "RestoreTestingSelectionName", "ValidationWindowHours")
        plan = plan_named(self, names(self)[0])
        return ActionResult({"RestoreTestingSelections": [{k: s[k] for k in listed if k in s}
                                                          for s in plan["selections"].values()]})

    for method in (create_restore_testing_plan, get_restore_testing_plan, update_restore_testing_plan,
                   delete_restore_testing_plan, list_restore_testing_plans, create_restore_testing_selection,
                   get_restore_testing_selection, update_restore_testing_selection, delete_restore_testing_selection,
                   list_restore_testing_selections):
        setattr(BackupResponse, method.__name__, method)


BACKUP_PATCHES.append(backup_restore_testing)
