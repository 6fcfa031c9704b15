"""moto patches the ops tier needs (budgets, ...).

Same rules as moto_patches: one function per gap, a docstring saying what moto gets wrong and why
patching it is safe; `moto_patches.apply_all` runs these too.
"""

from __future__ import annotations

import json
from collections.abc import Callable

OPS_PATCHES: list[Callable[[], None]] = []
NOTIFICATION_KEYS = ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType")


def budgets_describe_subscribers_for_notification() -> None:
    """moto 5.2.5 stores each budget notification with its subscribers but does not implement
    DescribeSubscribersForNotification (HTTP 500), which the provider calls to read a budget back.
    The patch answers it from what moto stored, matching the notification as AWS does (type,
    comparison, threshold and threshold type), and answers NotFoundException for an unknown one."""
    from moto.budgets.exceptions import NotFoundException
    from moto.budgets.responses import BudgetsResponse

    def describe_subscribers_for_notification(self: BudgetsResponse) -> str:
        account_id, name = self._get_param("AccountId"), self._get_param("BudgetName")
        wanted = self._get_param("Notification")
        budgets = self.backend.budgets.get(account_id, {})
        if name not in budgets:
            raise NotFoundException(f"Unable to get budget: {name} - the budget doesn't exist.")
        for notification in budgets[name].notifications:
            if all(notification.details.get(k) == wanted.get(k) for k in NOTIFICATION_KEYS):
                return json.dumps({"Subscribers": notification.subscribers, "NextToken": None})
        raise NotFoundException("Unable to get notification: the notification doesn't exist.")

    BudgetsResponse.describe_subscribers_for_notification = (  # type: ignore[attr-defined]
        describe_subscribers_for_notification)


OPS_PATCHES.append(budgets_describe_subscribers_for_notification)


def budgets_tags() -> None:
    """moto 5.2.5 neither stores the ResourceTags given to CreateBudget nor implements
    ListTagsForResource / TagResource / UntagResource for budgets (HTTP 500), which the provider
    calls for every tagged budget. The patch keeps tags per budget ARN, as AWS does, and drops
    them with the budget."""
    from moto.budgets.responses import BudgetsResponse

    tags: dict[str, dict[str, str]] = {}
    original_create, original_delete = BudgetsResponse.create_budget, BudgetsResponse.delete_budget

    def arn(self: BudgetsResponse, name: str) -> str:
        return f"arn:{self.partition}:budgets::{self._get_param('AccountId')}:budget/{name}"

    def create_budget(self: BudgetsResponse) -> str:
        answer = original_create(self)
        given = self._get_param("ResourceTags") or []
        tags[arn(self, self._get_param("Budget")["BudgetName"])] = {t["Key"]: t["Value"] for t in given}
        return answer

    def delete_budget(self: BudgetsResponse) -> str:
        answer = original_delete(self)
        tags.pop(arn(self, self._get_param("BudgetName")), None)
        return answer

    def list_tags_for_resource(self: BudgetsResponse) -> str:
        found = tags.get(self._get_param("ResourceARN"), {})
        return json.dumps({"ResourceTags": [{"Key": k, "Value": v} for k, v in sorted(found.items())]})

    def tag_resource(self: BudgetsResponse) -> str:
        target = tags.setdefault(self._get_param("ResourceARN"), {})
        target.update({t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []})
        return json.dumps({})

    def untag_resource(self: BudgetsResponse) -> str:
        target = tags.setdefault(self._get_param("ResourceARN"), {})
        for key in self._get_param("ResourceTagKeys") or []:
            target.pop(key, None)
        return json.dumps({})

    BudgetsResponse.create_budget = create_budget  # type: ignore[method-assign]
    BudgetsResponse.delete_budget = delete_budget  # type: ignore[method-assign]
    BudgetsResponse.list_tags_for_resource = list_tags_for_resource  # type: ignore[attr-defined]
    BudgetsResponse.tag_resource = tag_resource  # type: ignore[attr-defined]
    BudgetsResponse.untag_resource = untag_resource  # type: ignore[attr-defined]


OPS_PATCHES.append(budgets_tags)


def cloudtrail_delete_trail_by_arn() -> None:
    """DeleteTrail takes a trail's name or ARN; moto 5.2.5 looks the value up by name only and
    silently keeps a trail deleted by ARN (as the provider does), so it outlives its destroy. The
    patch resolves an ARN to the trail's name first."""
    from moto.cloudtrail.models import CloudTrailBackend

    original = CloudTrailBackend.delete_trail

    def delete_trail(self: CloudTrailBackend, name: str) -> None:
        for trail_name, trail in list(self.trails.items()):
            if trail.arn == name:
                name = trail_name
        original(self, name)

    CloudTrailBackend.delete_trail = delete_trail  # type: ignore[method-assign]


OPS_PATCHES.append(cloudtrail_delete_trail_by_arn)


# Lambda function settings moto 5.2.5 accepts on CreateFunction/UpdateFunctionConfiguration but
# neither stores nor returns.
LAMBDA_SETTINGS = ("DeadLetterConfig", "LoggingConfig")


def lambda_dead_letter_and_logging_config() -> None:
    """GetFunctionConfiguration must answer a function's DeadLetterConfig and LoggingConfig as they
    were set; moto 5.2.5 drops both, so every plan would re-add them. The patch keeps them from the
    create spec and from configuration updates and answers them (LoggingConfig with the defaults AWS
    fills in for what was not set)."""
    from moto.awslambda.models import LambdaFunction

    original_init = LambdaFunction.__init__
    original_configuration = LambdaFunction.get_configuration
    original_update = LambdaFunction.update_configuration

    def __init__(self, account_id, spec, region, version=1):  # type: ignore[no-untyped-def]
        original_init(self, account_id, spec, region, version)
        self._kept_settings = {k: spec[k] for k in LAMBDA_SETTINGS if spec.get(k)}

    def get_configuration(self, on_create=False):  # type: ignore[no-untyped-def]
        config = original_configuration(self, on_create)
        for key, value in getattr(self, "_kept_settings", {}).items():
            config[key] = dict(value)
        if "LoggingConfig" in config:
            config["LoggingConfig"].setdefault("LogGroup", f"/aws/lambda/{self.function_name}")
            if config["LoggingConfig"].get("LogFormat") == "JSON":
                config["LoggingConfig"].setdefault("ApplicationLogLevel", "INFO")
                config["LoggingConfig"].setdefault("SystemLogLevel", "INFO")
        return config

    def update_configuration(self, config_updates):  # type: ignore[no-untyped-def]
        kept = getattr(self, "_kept_settings", {})
        kept.update({k: config_updates[k] for k in LAMBDA_SETTINGS if k in config_updates})
        self._kept_settings = kept
        return original_update(self, config_updates)

    LambdaFunction.__init__ = __init__  # type: ignore[method-assign]
    LambdaFunction.get_configuration = get_configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update_configuration  # type: ignore[method-assign]


OPS_PATCHES.append(lambda_dead_letter_and_logging_config)


def guardduty_detector_features_by_name() -> None:
    """UpdateDetector with Features changes the features it names and leaves the others as they are (GetDetector
    answers each with its own status); Terraform sets each with its own aws_guardduty_detector_feature, one
    UpdateDetector call per feature. moto 5.2.5 replaces the whole list with the one in the call, so every feature
    but the last set vanishes and the provider reads 'empty result'. The patch merges by name, as GuardDuty does."""
    from moto.guardduty.models import Detector

    original_update = Detector.update

    def update(self: Detector, enable, frequency, data_sources, features) -> None:  # type: ignore[no-untyped-def]
        if features is not None:
            merged = {feature["name"]: feature for feature in self.features}
            merged.update({feature["name"]: feature for feature in features})
            features = list(merged.values())
        original_update(self, enable, frequency, data_sources, features)

    Detector.update = update  # type: ignore[method-assign]


OPS_PATCHES.append(guardduty_detector_features_by_name)
