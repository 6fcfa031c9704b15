from modules.account.guardrails import (
    DEFAULT_MANAGED_SERVICES,
    GITHUB_THUMBPRINTS,
    MFA_SELF_SERVICE,
    AccountGuardrails,
    AccountGuardrailsProps,
)
from modules.account.publisher import GitHubPublisher, GitHubPublisherProps, PublishTarget

__all__ = ["DEFAULT_MANAGED_SERVICES", "GITHUB_THUMBPRINTS", "MFA_SELF_SERVICE", "AccountGuardrails",
           "AccountGuardrailsProps", "GitHubPublisher", "GitHubPublisherProps", "PublishTarget"]
