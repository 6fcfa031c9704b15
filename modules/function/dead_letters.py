"""The dead-letter queue a function (or a chain of them) needs for ServerlessFunctionProps.dead_letter_queue_arn:
what failed after Lambda's retries waits there, encrypted with the function's key, for 14 days (SQS's maximum),
reachable over TLS only.

Construct ids 'failures', 'failures-policy-document' and 'failures-policy' in the scope given: the same as the
failover orchestrator's and the scheduled report's own copies, so either can use this with unchanged JSON.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from constructs import Construct

from modules.kms import EncryptionKey

RETENTION_SECONDS = 14 * 86400


def dead_letter_queue(scope: Construct, name: str, encryption_key: EncryptionKey) -> SqsQueue:
    """Queue '<name>' (e.g. 'saas-prod-secret-rotation-failures') under `encryption_key`, denying plain HTTP."""
    queue = SqsQueue(scope, "failures", name=name, kms_master_key_id=encryption_key.arn,
                     message_retention_seconds=RETENTION_SECONDS)
    document = DataAwsIamPolicyDocument(scope, "failures-policy-document", statement=[
        DataAwsIamPolicyDocumentStatement(
            sid="DenyPlainHttp", effect="Deny", actions=["sqs:*"], resources=[queue.arn],
            principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="*", identifiers=["*"])],
            condition=[DataAwsIamPolicyDocumentStatementCondition(
                test="Bool", variable="aws:SecureTransport", values=["false"])])])
    SqsQueuePolicy(scope, "failures-policy", queue_url=queue.url, policy=document.json)
    return queue
