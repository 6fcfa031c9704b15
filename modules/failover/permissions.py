"""Least privilege of the DR failover orchestrator: one statement builder per step of lambda_src/dr_failover/
steps.py, each on exactly the resources that step touches (ARNs built by the caller, from configuration or
Terraform variables)."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
)

Statement = DataAwsIamPolicyDocumentStatement


def promote_replica(replica_arn: str, multi_az: bool) -> Statement:
    """steps.promote_database, kind instance: promote the cross-region read replica, and make it Multi-AZ when the
    primary was."""
    actions = ["rds:DescribeDBInstances", "rds:PromoteReadReplica"]
    if multi_az:  # the promoted instance becomes Multi-AZ
        actions.append("rds:ModifyDBInstance")
    return Statement(sid="PromoteTheReplica", actions=actions, resources=[replica_arn])


def detach_aurora(cluster_arn: str, global_cluster_arn: str) -> list[Statement]:
    """steps._aurora_state and _detach_aurora: describe_db_clusters(the secondary's ARN),
    describe_global_clusters(the global id), remove_from_global_cluster(both). The Service Authorization
    Reference (Amazon RDS) authorizes DescribeDBClusters against the cluster, DescribeGlobalClusters against the
    global-cluster, and RemoveFromGlobalCluster against both (cluster* and global-cluster*, no dependent actions):
    one statement per resource. A global cluster's ARN has no region: arn:<partition>:rds::<account>:global-cluster:
    <id>."""
    return [
        Statement(sid="DetachTheStandbyCluster", actions=["rds:DescribeDBClusters", "rds:RemoveFromGlobalCluster"],
                  resources=[cluster_arn]),
        Statement(sid="LeaveTheGlobalDatabase", actions=["rds:DescribeGlobalClusters", "rds:RemoveFromGlobalCluster"],
                  resources=[global_cluster_arn])]


def detach_file_systems(replica_arns: Sequence[str], source_arns: Sequence[str]) -> list[Statement]:
    """steps.detach_file_systems: DescribeFileSystems and DescribeReplicationConfigurations name the replica,
    DeleteReplicationConfiguration names the source and is sent to the standby region. The Service Authorization
    Reference lists the file-system resource type for all three, without saying, for the delete, whose ARN that
    is: the role may delete on the replica's and on the source id's ARN (the caller lists it in both regions), each
    an exact file system of this environment (or a name nothing else has)."""
    return [
        Statement(sid="DetachTheReplicas", actions=["elasticfilesystem:DescribeFileSystems",
                                                    "elasticfilesystem:DescribeReplicationConfigurations",
                                                    "elasticfilesystem:DeleteReplicationConfiguration"],
                  resources=list(replica_arns)),
        Statement(sid="EndTheReplicationOfTheSources", actions=["elasticfilesystem:DeleteReplicationConfiguration"],
                  resources=list(source_arns)),
    ]


def set_parameters(parameter_arns: Sequence[str], key_arn: str, region: str) -> list[Statement]:
    """steps.update_parameters: read and overwrite the standby's SSM parameters (active region, database endpoint),
    SecureStrings under the standby's config key, used only through SSM."""
    return [
        Statement(sid="ReadAndSetTheParameters", actions=["ssm:GetParameter", "ssm:PutParameter"],
                  resources=sorted(parameter_arns)),
        # DescribeParameters (the SecureString's KeyId, kept on overwrite) has no resource-level permissions.
        Statement(sid="FindTheParametersKey", actions=["ssm:DescribeParameters"], resources=["*"]),
        Statement(sid="ParametersKeyThroughSsm", actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                  resources=[key_arn], condition=[DataAwsIamPolicyDocumentStatementCondition(
                      test="StringEquals", variable="kms:ViaService", values=[f"ssm.{region}.amazonaws.com"])]),
    ]


def scale_groups(group_arns: Sequence[str]) -> list[Statement]:
    """steps.scale_fleets, Auto Scaling groups: raise the standby's groups to the primary's capacity."""
    return [
        Statement(sid="DescribeTheGroups", actions=["autoscaling:DescribeAutoScalingGroups"], resources=["*"]),
        Statement(sid="ScaleTheStandbyGroups", actions=["autoscaling:UpdateAutoScalingGroup"],
                  resources=list(group_arns))]


def scale_services(service_arns: Sequence[str], scalable_targets_arn: str) -> list[Statement]:
    """steps.scale_fleets, ECS services: their desired count and their scaling minimums (or scale-in undoes the
    failover). DescribeScalableTargets has no resource-level permissions; a target's ARN carries a generated id, so
    the account's targets in the standby region (scalable_targets_arn) are the narrowest resource
    RegisterScalableTarget can name."""
    return [
        Statement(sid="ScaleTheStandbyServices", actions=["ecs:DescribeServices", "ecs:UpdateService"],
                  resources=list(service_arns)),
        Statement(sid="DescribeTheScalingTargets", actions=["application-autoscaling:DescribeScalableTargets"],
                  resources=["*"]),
        Statement(sid="RaiseTheScalingMinimums", actions=["application-autoscaling:RegisterScalableTarget"],
                  resources=[scalable_targets_arn])]


def switch_dns(gate_health_check_arn: str, hosted_zone_arn: str) -> list[Statement]:
    """steps.wait_for_targets and switch_dns: the standby's targets healthy, then the gate health check pinned so
    Route 53 answers with the SECONDARY record."""
    return [
        Statement(sid="ReadTargetHealth", actions=["elasticloadbalancing:DescribeTargetHealth"], resources=["*"]),
        Statement(sid="PinTheGate", actions=["route53:GetHealthCheck", "route53:UpdateHealthCheck"],
                  resources=[gate_health_check_arn]),
        Statement(sid="ReadTheFailoverRecords", actions=["route53:ListResourceRecordSets"],
                  resources=[hosted_zone_arn]),
    ]
