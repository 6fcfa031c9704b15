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
