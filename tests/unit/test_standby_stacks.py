"""Layer 1: the standby site (dr.strategy set) builds the primary's stacks again in regions.secondary from
the standby view of the configuration: the same construct, the dr range and AZs, '-dr' names, a Site
tag, state beside the primary's under standby/, and the primary's own stacks untouched."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from configuration import load
from synth.app import synthesize
from tests.support import platform_manifest, resources, user_config_file


@pytest.fixture(scope="module")
def standby(synthesized, tmp_path_factory) -> tuple[Path, Path]:
    """cafe-dr prod as shipped (its pilot light on), and synthesized again with dr.strategy none."""
    root = tmp_path_factory.mktemp("standby")
    synthesize(load(config_file=user_config_file(root, "cafe-dr/prod", "dr: {strategy: none}\n")), root / "plain")
    return synthesized[("cafe-dr", "prod")], root / "plain"


def _document(outdir: Path, name: str) -> dict:
    return json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text())


def test_the_standby_network_follows_the_primarys_in_the_dr_region(standby):
    dr, _ = standby
    stacks = platform_manifest(dr)["stacks"]
    names = [s["name"] for s in stacks]
    assert names[:3] == ["cafe-dr-prod-state", "cafe-dr-prod-network", "cafe-dr-prod-dr-network"]
    contract = next(s for s in stacks if s["name"] == "cafe-dr-prod-dr-network")
    assert (contract["layer"], contract["site"], contract["state_key"]) == (
        "network", "standby", "cafe-dr/prod/standby/network.tfstate")
    assert {s["name"] for s in stacks if s["site"] == "standby"} == {
        "cafe-dr-prod-dr-network", "cafe-dr-prod-dr-data", "cafe-dr-prod-dr-compute", "cafe-dr-prod-dr-failover"}
    document = _document(dr, "cafe-dr-prod-dr-network")
    (provider,) = document["provider"]["aws"]
    assert provider["region"] == "eu-central-1" and provider["allowed_account_ids"] == ["123456789012"]
    assert provider["default_tags"][0]["tags"]["Site"] == "standby"
    backend = document["terraform"]["backend"]["s3"]
    assert (backend["bucket"], backend["region"], backend["use_lockfile"]) == (
        "cafe-dr-prod-tfstate-123456789012", "eu-west-1", True)  # one state bucket, in the primary's region
    (vpc,) = resources(document, "aws_vpc").values()
    assert vpc["cidr_block"] == "10.22.0.0/16"
    subnets = resources(document, "aws_subnet").values()
    assert sorted({s["availability_zone"] for s in subnets}) == ["eu-central-1a", "eu-central-1b"]
    assert all(s["tags"]["Name"].startswith("cafe-dr-prod-dr-") for s in subnets)


def test_the_standby_network_is_the_same_construct_as_the_primarys(standby):
    dr, _ = standby
    primary, secondary = _document(dr, "cafe-dr-prod-network"), _document(dr, "cafe-dr-prod-dr-network")
    shape = {kind: len(instances) for kind, instances in primary["resource"].items()}
    assert {kind: len(instances) for kind, instances in secondary["resource"].items()} == shape
    assert set(secondary["output"]) == set(primary["output"])  # the standby's stacks read the same contract
    (endpoints,) = [r for r in resources(secondary, "aws_vpc_endpoint").values() if r["service_name"].endswith(".s3")]
    assert endpoints["service_name"] == "com.amazonaws.eu-central-1.s3"


def test_switching_the_standby_on_leaves_the_primary_stacks_as_they_were(standby):
    dr, plain = standby
    for name in ("cafe-dr-prod-state", "cafe-dr-prod-network", "cafe-dr-prod-compute", "cafe-dr-prod-ops"):
        assert _document(dr, name) == _document(plain, name), name
    # but for the master password: AWS refuses replicas of an instance whose password RDS manages, so the
    # operator's (an ephemeral variable, sent write-only) replaces the managed secret and its outputs
    with_standby, without = _document(dr, "cafe-dr-prod-data"), _document(plain, "cafe-dr-prod-data")
    (source,), (plain_source,) = (resources(d, "aws_db_instance").values() for d in (with_standby, without))
    assert plain_source["manage_master_user_password"] is True and "password_wo" not in plain_source
    assert (source["password_wo"], source["password_wo_version"]) == ("${var.cafe_master_password}", 1)
    assert "manage_master_user_password" not in source and "master_user_secret_kms_key_id" not in source
    assert with_standby["variable"]["cafe_master_password"]["ephemeral"] is True
    # the clients' sign-in moves from the managed secret to the operator's credentials secret, replicated to
    # the standby under a key made there, and the shared file system is replicated there (the outputs added)
    assert set(with_standby["output"]) - set(without["output"]) == {"kms_key_secrets_replica_arn",
                                                                     "file_system_shared_replica_id"}
    (credentials_logical, credentials), = resources(with_standby, "aws_secretsmanager_secret").items()
    assert credentials["name"] == "cafe-dr/prod/database/cafe" and credentials["replica"][0]["region"] == "eu-central-1"
    assert with_standby["output"]["database_cafe_secret_arn"]["value"] == (
        f"${{aws_secretsmanager_secret.{credentials_logical}.arn}}")
    for key in ("password_wo", "password_wo_version", "manage_master_user_password", "master_user_secret_kms_key_id"):
        source.pop(key, None), plain_source.pop(key, None)
    assert source == plain_source
    assert "cafe-dr-prod-dr-network" not in {s["name"] for s in platform_manifest(plain)["stacks"]}


def test_only_an_environment_with_a_strategy_has_a_standby_view():
    config = load("cafe-dr", "dev")
    with pytest.raises(ValueError, match=r"dr.strategy 'none'; fix: set dr.strategy to pilot-light"):
        config.standby()
    view = load("cafe-dr", "prod").standby()
    assert (view.site, view.name_prefix, view.regions.primary, view.regions.secondary) == (
        "standby", "cafe-dr-prod-dr", "eu-central-1", "eu-west-1")
    assert (view.parameter_prefix, view.state_bucket, view.state_region) == (
        "/cafe-dr/prod", "cafe-dr-prod-tfstate-123456789012", "eu-west-1")
    assert view.network.avoid_cidrs == ["10.21.0.0/16"]


def test_the_standby_data_is_a_read_replica_of_the_primary_database_under_its_own_key(standby):
    dr, _ = standby
    document = _document(dr, "cafe-dr-prod-dr-data")
    (provider,) = document["provider"]["aws"]
    assert provider["region"] == "eu-central-1"
    (replica,) = resources(document, "aws_db_instance").values()
    assert replica["identifier"] == "cafe-dr-prod-dr-cafe"
    assert replica["replicate_source_db"] == "arn:aws:rds:eu-west-1:123456789012:db:cafe-dr-prod-cafe"
    # an apply never un-promotes it, nor makes the promoted (then Multi-AZ) instance single-AZ again
    assert replica["lifecycle"] == {"ignore_changes": ["replicate_source_db", "multi_az"]}
    keys = {key["//"]["metadata"]["path"].split("/")[1]: logical
            for logical, key in resources(document, "aws_kms_key").items()}
    assert replica["kms_key_id"] == f"${{aws_kms_key.{keys['databases-key']}.arn}}"
    assert replica["storage_encrypted"] and not replica["publicly_accessible"]
    assert replica["multi_az"] is False  # pilot light: the data at the lowest cost (accepted with its reason)
    assert (replica["deletion_protection"], replica["iam_database_authentication_enabled"]) == (True, True)
    assert "username" not in replica and "manage_master_user_password" not in replica  # inherited from the source
    (subnets,) = resources(document, "aws_db_subnet_group").values()
    assert subnets["subnet_ids"] == "${data.terraform_remote_state.network.outputs.data_subnet_ids}"
    assert document["data"]["terraform_remote_state"]["network"]["config"]["key"] == (
        "cafe-dr/prod/standby/network.tfstate")
    primary = _document(dr, "cafe-dr-prod-data")
    (source,) = resources(primary, "aws_db_instance").values()
    assert source["identifier"] == "cafe-dr-prod-cafe"  # the ARN above names the real source


def test_the_standby_publishes_the_same_parameter_names_with_its_own_endpoints(standby):
    dr, _ = standby
    standby_parameters = {p["name"]: p for p in resources(_document(dr, "cafe-dr-prod-dr-data"),
                                                           "aws_ssm_parameter").values()}
    primary_parameters = {p["name"] for p in resources(_document(dr, "cafe-dr-prod-data"),
                                                       "aws_ssm_parameter").values()}
    endpoint = "/cafe-dr/prod/data/database/cafe/endpoint"
    assert {endpoint, "/cafe-dr/prod/data/database/cafe/port", "/cafe-dr/prod/app/app_name"} <= (
        set(standby_parameters) & primary_parameters)
    assert standby_parameters[endpoint]["value"].startswith("${aws_db_instance.")
    active = standby_parameters["/cafe-dr/prod/data/dr/active_region"]
    assert active["value"] == "eu-west-1" and active["type"] == "SecureString"
    outputs = _document(dr, "cafe-dr-prod-dr-data")["output"]
    assert outputs["active_region_parameter_name"]["value"] == "/cafe-dr/prod/data/dr/active_region"
    assert {"database_cafe_identifier", "database_cafe_endpoint", "database_cafe_arn"} <= set(outputs)


def test_warm_standby_replicas_are_multi_az(tmp_path):
    config = load("cafe-dr", "prod")
    warm = config.model_copy(update={"dr": config.dr.model_copy(update={"strategy": "warm-standby"})})
    synthesize(warm, tmp_path / "out")
    (replica,) = resources(_document(tmp_path / "out", "cafe-dr-prod-dr-data"), "aws_db_instance").values()
    assert replica["multi_az"] is True


@pytest.mark.parametrize("overrides, message", [
    ({"source_arn": "cafe-dr-prod-cafe"}, "source_arn 'cafe-dr-prod-cafe'; fix: the source instance's ARN"),
    ({"engine": "aurora-mysql"}, "DatabaseReplica engine 'aurora-mysql'; fix: 'mysql' or 'postgres'"),
    ({"client_security_group_ids": []}, "has no client_security_group_ids; fix: pass the standby"),
])
def test_replica_props_refuse_bad_values_naming_them(overrides, message):
    from modules.database import DatabaseReplicaProps

    values = dict(identifier="shop-prod-dr-main", source_arn="arn:aws:rds:eu-west-1:123456789012:db:shop-prod-main",
                  engine="mysql", engine_version="8.0", instance_class="db.t4g.medium", vpc_id="vpc-1",
                  subnet_ids=["a", "b"], client_security_group_ids=["sg-1"], encryption_key=object(),
                  monitoring_role=object())
    with pytest.raises(ValueError, match=re.escape(message)):
        DatabaseReplicaProps(**{**values, **overrides})


def test_the_standby_compute_waits_at_zero_on_the_images_copy_in_its_region(standby):
    dr, _ = standby
    document = _document(dr, "cafe-dr-prod-dr-compute")
    assert document["provider"]["aws"][0]["region"] == "eu-central-1"
    assert {name: state["config"]["key"] for name, state in document["data"]["terraform_remote_state"].items()} == {
        "network": "cafe-dr/prod/standby/network.tfstate", "data": "cafe-dr/prod/standby/data.tfstate"}
    (group,) = resources(document, "aws_autoscaling_group").values()
    assert (group["name"], group["min_size"], group["desired_capacity"], group["max_size"]) == (
        "cafe-dr-prod-dr-web", 0, 0, 6)  # pilot light: the orchestrator scales it to the primary's minimum
    assert "aws_autoscaling_schedule" not in document["resource"]  # no schedule would start it
    (template,) = resources(document, "aws_launch_template").values()
    assert template["image_id"] == "ami-0f7204385566b32d0"  # dr.image_ids.web: AMI ids are regional
    (primary_template,) = resources(_document(dr, "cafe-dr-prod-compute"), "aws_launch_template").values()
    assert primary_template["image_id"] == "ami-0a89c0e1fe86ef74e"
    (certificate,) = resources(document, "aws_acm_certificate").values()
    assert certificate["domain_name"] == "cafe-dr.example.com"  # the same names: DNS fails over between the two
    (balancer,) = resources(document, "aws_lb").values()
    assert balancer["name"] == "cafe-dr-prod-dr" and balancer["enable_deletion_protection"] is True
    roles = {r["name"] for r in resources(document, "aws_iam_role").values()}
    assert roles and all(name.startswith("cafe-dr-prod-dr-") for name in roles)  # IAM names are global


def test_no_apply_during_a_failover_undoes_what_the_orchestrator_changed(standby):
    """The orchestrator raises the standby fleet's min_size, writes the standby into dr/active_region and
    raises the gate's threshold; Terraform sets each only at creation, so a pipeline applying dr-compute,
    dr-data or edge mid-failover cannot shrink the serving fleet, point the app back or reopen the gate."""
    dr, _ = standby
    (group,) = resources(_document(dr, "cafe-dr-prod-dr-compute"), "aws_autoscaling_group").values()
    assert group["lifecycle"]["ignore_changes"] == ["desired_capacity", "min_size"]
    (primary_group,) = resources(_document(dr, "cafe-dr-prod-compute"), "aws_autoscaling_group").values()
    assert primary_group["lifecycle"]["ignore_changes"] == ["desired_capacity"]  # the primary's min is Terraform's
    parameters = {p["name"]: p for p in resources(_document(dr, "cafe-dr-prod-dr-data"), "aws_ssm_parameter").values()}
    handed_over = sorted(name for name, p in parameters.items() if "lifecycle" in p)
    assert handed_over == ["/cafe-dr/prod/data/dr/active_region"]
    assert parameters[handed_over[0]]["lifecycle"]["ignore_changes"] == ["value"]
    (gate,) = [c for c in resources(_document(dr, "cafe-dr-prod-edge"), "aws_route53_health_check").values()
               if c["type"] == "CALCULATED"]
    assert gate["lifecycle"]["ignore_changes"] == ["child_health_threshold"]


def test_only_published_parameters_can_be_handed_over():
    from modules.app_config.parameters import ParameterHierarchyProps

    with pytest.raises(ValueError, match=r"handed_over \['dr/active-region'\] are not published parameters; fix: "
                                         r"name keys of published \(\['dr/active_region'\]\)"):
        ParameterHierarchyProps(prefix="/cafe-dr/prod", name_prefix="cafe-dr-prod", encryption_key=None,  # type: ignore[arg-type]
                                region="eu-central-1", account_id="123456789012",
                                published={"dr/active_region": "eu-west-1"}, handed_over=["dr/active-region"])


def test_warm_standby_runs_a_share_of_each_minimum(tmp_path):
    config = load("cafe-dr", "prod")
    warm = config.model_copy(update={"dr": config.dr.model_copy(update={"strategy": "warm-standby",
                                                                        "warm_capacity_percent": 40})})
    web = warm.standby().compute.fleets["web"]
    assert (web.min_size, web.desired, web.max_size) == (1, 1, 6)  # 40 % of 2, rounded up
    assert load("cafe-dr", "prod").standby().compute.fleets["web"].min_size == 0


def test_the_apex_and_www_fail_over_to_the_standby_load_balancer_through_the_gate(standby):
    dr, plain = standby
    document = _document(dr, "cafe-dr-prod-edge")
    remote = document["data"]["terraform_remote_state"]
    assert remote["standby-compute"]["config"]["key"] == "cafe-dr/prod/standby/compute.tfstate"
    checks = resources(document, "aws_route53_health_check")
    (gate_logical, gate), = [(k, c) for k, c in checks.items() if c["type"] == "CALCULATED"]
    (endpoint_logical, endpoint), = [(k, c) for k, c in checks.items() if c["type"] == "HTTPS"]
    assert gate["child_healthchecks"] == [f"${{aws_route53_health_check.{endpoint_logical}.id}}"]
    assert gate["child_health_threshold"] == 1  # the orchestrator raises it to 2 to pin the standby
    # the public name answers from whichever region serves: the check watches the primary's own ALB
    assert endpoint["fqdn"] == "${data.terraform_remote_state.compute.outputs.load_balancer_dns_name}"
    records = {(r["name"], r.get("set_identifier")): r for r in resources(document, "aws_route53_record").values()
               if "alias" in r}
    zones = document["data"]["aws_lb_hosted_zone_id"]
    assert zones["standby-load-balancer-zone"]["region"] == "eu-central-1" and "region" not in zones[
        "load-balancer-zone"]
    for name in ("cafe-dr.example.com", "www.cafe-dr.example.com"):
        primary, secondary = records[(name, "primary")], records[(name, "standby")]
        assert primary["failover_routing_policy"] == {"type": "PRIMARY"}
        assert primary["health_check_id"] == f"${{aws_route53_health_check.{gate_logical}.id}}"
        assert primary["alias"]["name"] == "${data.terraform_remote_state.compute.outputs.load_balancer_dns_name}"
        assert secondary["failover_routing_policy"] == {"type": "SECONDARY"} and "health_check_id" not in secondary
        assert secondary["alias"]["name"] == (
            "${data.terraform_remote_state.standby-compute.outputs.load_balancer_dns_name}")
        assert secondary["alias"]["zone_id"] == "${data.aws_lb_hosted_zone_id.standby-load-balancer-zone.id}"
        assert secondary["alias"]["evaluate_target_health"] is True
    outputs = document["output"]
    assert outputs["failover_gate_health_check_id"]["value"] == f"${{aws_route53_health_check.{gate_logical}.id}}"
    assert outputs["failover_record_name"]["value"] == "cafe-dr.example.com"
    without = _document(plain, "cafe-dr-prod-edge")  # no standby: plain aliases of the apex, the apex checked
    assert not [r for r in resources(without, "aws_route53_record").values() if "set_identifier" in r]
    (check,) = resources(without, "aws_route53_health_check").values()
    assert check["fqdn"] == "cafe-dr.example.com"


def test_a_golden_image_pipeline_distributes_the_image_the_standby_launches(tmp_path):
    """An image with a pipeline needs no dr.image_ids: the primary's pipeline copies each build to the
    standby region and names it in the same parameter there."""
    body = ("compute:\n  images:\n    web:\n      pipeline: {component: files/web-component.yaml}\n"
            "dr:\n  image_ids: {}\n")
    path = tmp_path / "pipeline.yaml"
    path.write_text(f"extends: cafe-dr/prod\n{body}")
    config = load(config_file=path)
    synthesize(config, tmp_path / "out")
    (template,) = resources(_document(tmp_path / "out", "cafe-dr-prod-dr-compute"), "aws_launch_template").values()
    assert template["image_id"] == "resolve:ssm:/cafe-dr/prod/compute/ami/web"
    assert "aws_imagebuilder_image_pipeline" not in _document(tmp_path / "out", "cafe-dr-prod-dr-compute")["resource"]
    (distribution,) = resources(_document(tmp_path / "out", "cafe-dr-prod-compute"),
                                "aws_imagebuilder_distribution_configuration").values()
    regions = {d["region"]: d for d in distribution["distribution"]}
    assert regions["eu-central-1"]["ssm_parameter_configuration"][0]["parameter_name"] == (
        "/cafe-dr/prod/compute/ami/web")
