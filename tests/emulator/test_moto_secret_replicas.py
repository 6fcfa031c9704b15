"""The harness's moto keeps the key a secret's replica is encrypted with (moto_dr_patches.
secretsmanager_replica_keys): the standby's copy of every secret is under the replica key the primary's
data stack makes there, and the provider re-plans clean only if moto reports it back as AWS does."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("emulator-moto-replay")]


def test_a_replica_is_under_the_key_its_request_names(emulator_client):
    replica_key = emulator_client("kms", "eu-west-2").create_key()["KeyMetadata"]["Arn"]
    primary = emulator_client("secretsmanager", "eu-west-1")
    created = primary.create_secret(Name="saas/prod/replicated", AddReplicaRegions=[
        {"Region": "eu-west-2", "KmsKeyId": replica_key}])
    (status,) = primary.describe_secret(SecretId=created["ARN"])["ReplicationStatus"]
    assert (status["Region"], status["KmsKeyId"], status["Status"]) == ("eu-west-2", replica_key, "InSync")
    replica_arn = created["ARN"].replace(":eu-west-1:", ":eu-west-2:")
    replica = emulator_client("secretsmanager", "eu-west-2").describe_secret(SecretId=replica_arn)
    assert (replica["KmsKeyId"], replica["PrimaryRegion"]) == (replica_key, "eu-west-1")
    unkeyed = primary.create_secret(Name="saas/prod/default-key", AddReplicaRegions=[{"Region": "eu-west-2"}])
    (status,) = primary.describe_secret(SecretId=unkeyed["ARN"])["ReplicationStatus"]
    assert status["KmsKeyId"] == "alias/aws/secretsmanager"  # AWS's default where the request names none
