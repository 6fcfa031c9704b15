from modules.account.guardrails import (
    DEFAULT_MANAGED_SERVICES,
    GITHUB_THUMBPRINTS,
    MFA_SELF_SERVICE,
    AccountGuardrails,
    AccountGuardrailsProps,
)

__all__ = ["DEFAULT_MANAGED_SERVICES", "GITHUB_THUMBPRINTS", "MFA_SELF_SERVICE", "AccountGuardrails",
           "AccountGuardrailsProps"]
