from modules.billing.billing import (
    BILLING_REGION,
    BillingGuard,
    BillingGuardProps,
    budgets_publish_statement,
    budgets_topic_key_grant,
)

__all__ = ["BILLING_REGION", "BillingGuard", "BillingGuardProps", "budgets_publish_statement",
           "budgets_topic_key_grant"]
