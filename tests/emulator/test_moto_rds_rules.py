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
    founded = rds.create_global_cluster(GlobalClusterIdentifier="given-global",
                                        SourceDBClusterIdentifier=given)["GlobalCluster"]
    assert [m["DBClusterArn"] for m in founded["GlobalClusterMembers"]] == [given]
