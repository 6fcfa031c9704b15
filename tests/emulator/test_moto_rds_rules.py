"""The harness's moto refuses what AWS refuses around RDS-managed master passwords (moto_dr_patches): a read
replica of an instance whose password RDS manages, and an Aurora global database founded on, or joined by,
a cluster with one. A standby built that way would apply on the emulator and fail in AWS."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("emulator-moto-replay")]
PASSWORD = "TestOnly0Password0Not0For0Real0Use"


def _instance(rds, name: str, **password) -> str:
    return rds.create_db_instance(DBInstanceIdentifier=name, Engine="mysql", DBInstanceClass="db.t4g.medium",
                                  AllocatedStorage=20, MasterUsername="dbadmin", **password)["DBInstance"][
        "DBInstanceArn"]


def _cluster(rds, name: str, **password) -> str:
    return rds.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-mysql", MasterUsername="dbadmin",
                                 **password)["DBCluster"]["DBClusterArn"]


def test_no_cross_region_replica_of_an_instance_with_a_managed_password(emulator_client):
    primary, standby = emulator_client("rds", "eu-west-1"), emulator_client("rds", "eu-central-1")
    managed = _instance(primary, "managed-source", ManageMasterUserPassword=True)
    with pytest.raises(ClientError, match="InvalidParameterValue.*ManageMasterUserPassword is enabled"):
        standby.create_db_instance_read_replica(DBInstanceIdentifier="managed-replica",
                                                SourceDBInstanceIdentifier=managed)
    given = _instance(primary, "given-source", MasterUserPassword=PASSWORD)
    replica = standby.create_db_instance_read_replica(DBInstanceIdentifier="given-replica",
                                                      SourceDBInstanceIdentifier=given)["DBInstance"]
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == given


def test_no_global_database_member_with_a_managed_password(emulator_client):
    rds = emulator_client("rds", "us-east-1")
    managed = _cluster(rds, "managed-primary", ManageMasterUserPassword=True)
    with pytest.raises(ClientError, match="InvalidParameterValue.*global database"):
        rds.create_global_cluster(GlobalClusterIdentifier="managed-global", SourceDBClusterIdentifier=managed)
    with pytest.raises(ClientError, match="InvalidParameterValue.*global database"):
        rds.create_db_cluster(DBClusterIdentifier="managed-secondary", Engine="aurora-mysql",
                              GlobalClusterIdentifier="any-global", ManageMasterUserPassword=True)
    given = _cluster(rds, "given-primary", MasterUserPassword=PASSWORD)
    founded = rds.create_global_cluster(GlobalClusterIdentifier="given-global", SourceDBClusterIdentifier=given,
                                        Tags=[{"Key": "Project", "Value": "levels"}])["GlobalCluster"]
    assert [m["DBClusterArn"] for m in founded["GlobalClusterMembers"]] == [given]
    arn = founded["GlobalClusterArn"]  # region-less: arn:aws:rds::<account>:global-cluster:given-global
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "Owner", "Value": "sre"}])
    assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == [
        {"Key": "Project", "Value": "levels"}, {"Key": "Owner", "Value": "sre"}]


def test_a_global_database_spans_regions(emulator_client):
    """RemoveFromGlobalCluster from the standby's region by ARN (what the orchestrator does), a deleted member
    leaves, and the emptied global cluster can be deleted (what force_destroy does)."""
    primary, standby = emulator_client("rds", "us-east-1"), emulator_client("rds", "us-east-2")
    source = _cluster(primary, "span-primary", MasterUserPassword=PASSWORD)
    primary.create_global_cluster(GlobalClusterIdentifier="span-global", SourceDBClusterIdentifier=source)
    secondaries = [standby.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-mysql",
                                             GlobalClusterIdentifier="span-global")["DBCluster"]["DBClusterArn"]
                   for name in ("span-secondary", "span-other")]

    def members() -> set[str]:
        (found,) = [g for g in standby.describe_global_clusters()["GlobalClusters"]
                    if g["GlobalClusterIdentifier"] == "span-global"]
        return {m["DBClusterArn"] for m in found["GlobalClusterMembers"]}

    assert members() == {source, *secondaries}
    (global_cluster,) = [g for g in primary.describe_global_clusters()["GlobalClusters"]
                         if g["GlobalClusterIdentifier"] == "span-global"]
    assert {m["DBClusterArn"]: m["IsWriter"] for m in global_cluster["GlobalClusterMembers"]} == {
        source: True, secondaries[0]: False, secondaries[1]: False}  # founded on the source: its writer
    standby.remove_from_global_cluster(GlobalClusterIdentifier="span-global", DbClusterIdentifier=secondaries[0])
    assert members() == {source, secondaries[1]}
    with pytest.raises(ClientError, match="DBClusterNotFoundFault"):
        standby.remove_from_global_cluster(GlobalClusterIdentifier="span-global", DbClusterIdentifier=secondaries[0])
    standby.delete_db_cluster(DBClusterIdentifier="span-other", SkipFinalSnapshot=True)
    assert members() == {source}
    primary.remove_from_global_cluster(GlobalClusterIdentifier="span-global", DbClusterIdentifier=source)
    primary.delete_global_cluster(GlobalClusterIdentifier="span-global")
    assert "span-global" not in {g["GlobalClusterIdentifier"] for g in primary.describe_global_clusters()[
        "GlobalClusters"]}
