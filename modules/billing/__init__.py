from modules.billing.billing import BillingGuard, BillingGuardProps, budgets_publish_statement, budgets_topic_key_grant

__all__ = ["BillingGuard", "BillingGuardProps", "budgets_publish_statement", "budgets_topic_key_grant"]
