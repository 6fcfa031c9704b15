"""Layer 1: the network stack's real properties, read from the synthesized notebookly stacks."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.vpc import Vpc

from tests.support import only, resources, stack_document


@pytest.fixture(scope="module")
def prod(notebookly_prod):
    return stack_document(notebookly_prod, "network")


@pytest.fixture(scope="module")
def dev(notebookly_dev):
    return stack_document(notebookly_dev, "network")


def _tier_subnets(document, tier):
    return {name: s for name, s in resources(document, "aws_subnet").items() if s["tags"]["Tier"] == tier}


def _ref(resource_type, name, attribute="id"):
    return f"${{{resource_type}.{name}.{attribute}}}"


def test_vpc_matches_the_seed_range_with_dns(prod, dev):
    CdktfTesting.to_have_resource_with_properties(json.dumps(dev), Vpc.TF_RESOURCE_TYPE, {
        "cidr_block": "10.0.0.0/16", "enable_dns_hostnames": True, "enable_dns_support": True})
    assert only(prod, "aws_vpc")["cidr_block"] == "10.1.0.0/16"


def test_three_tiers_of_24s_in_both_zones(dev):
    cidrs = {tier: sorted((s["availability_zone"], s["cidr_block"]) for s in _tier_subnets(dev, tier).values())
             for tier in ("public", "app", "data")}
    assert cidrs == {
        "public": [("ap-south-1a", "10.0.0.0/24"), ("ap-south-1b", "10.0.1.0/24")],
        "app": [("ap-south-1a", "10.0.4.0/24"), ("ap-south-1b", "10.0.5.0/24")],
        "data": [("ap-south-1a", "10.0.8.0/24"), ("ap-south-1b", "10.0.9.0/24")],
    }


def test_no_subnet_assigns_public_ips(prod, dev):
    for document in (prod, dev):
        assert all(s["map_public_ip_on_launch"] is False for s in resources(document, "aws_subnet").values())


def test_prod_has_a_nat_gateway_per_az_and_each_app_zone_uses_its_own(prod):
    nats = resources(prod, "aws_nat_gateway")
    subnets = resources(prod, "aws_subnet")
    nat_zone = {name: subnets[nat["subnet_id"].split(".")[1]]["availability_zone"] for name, nat in nats.items()}
    assert sorted(nat_zone.values()) == ["ap-south-1a", "ap-south-1b"]
    tables = resources(prod, "aws_route_table")
    app_routes = [r for r in resources(prod, "aws_route").values() if "nat_gateway_id" in r]
    assert len(app_routes) == 2
    for route in app_routes:
        table_zone = tables[route["route_table_id"].split(".")[1]]["tags"]["Name"].rsplit("-app-", 1)[1]
        assert nat_zone[route["nat_gateway_id"].split(".")[1]] == table_zone
        assert route["destination_cidr_block"] == "0.0.0.0/0"


def test_dev_shares_one_nat_gateway_as_its_cost_setting(dev):
    assert len(resources(dev, "aws_nat_gateway")) == 1
    nat_targets = {r["nat_gateway_id"] for r in resources(dev, "aws_route").values() if "nat_gateway_id" in r}
    assert len(nat_targets) == 1


def test_data_tier_has_no_route_to_the_internet(prod):
    tables = resources(prod, "aws_route_table")
    data_tables = {n for n, t in tables.items() if t["tags"]["Name"].endswith("-data-isolated")}
    assert len(data_tables) == 1
    routes_in_data = [r for r in resources(prod, "aws_route").values()
                      if r["route_table_id"].split(".")[1] in data_tables]
    assert routes_in_data == []
    assert all("route" not in tables[name] for name in data_tables)  # no inline routes either
    data_subnets = set(_tier_subnets(prod, "data"))
    associated = {a["subnet_id"].split(".")[1] for a in resources(prod, "aws_route_table_association").values()
                  if a["route_table_id"].split(".")[1] in data_tables}
    assert associated == data_subnets


def test_public_tier_routes_through_the_internet_gateway(prod):
    igw_routes = [r for r in resources(prod, "aws_route").values() if "gateway_id" in r]
    assert len(igw_routes) == 1 and igw_routes[0]["gateway_id"].startswith("${aws_internet_gateway.")


def _acl(document, tier):
    return next(a for a in resources(document, "aws_network_acl").values() if a["tags"]["Name"].endswith(f"-{tier}"))


def _opens(rule, port):
    return rule["protocol"] == "-1" or rule["from_port"] <= port <= rule["to_port"]


def test_nacls_never_admit_ssh_or_rdp_from_the_internet(prod, dev):
    for document in (prod, dev):
        for acl in resources(document, "aws_network_acl").values():
            from_world = [r for r in acl["ingress"] if r["cidr_block"] == "0.0.0.0/0"]
            assert not any(_opens(r, port) for r in from_world for port in (22, 3389))


def test_public_nacl_admits_web_and_return_traffic_only(prod):
    ingress = _acl(prod, "public")["ingress"]
    ports = sorted((r["from_port"], r["to_port"]) for r in ingress)
    assert ports == [(80, 80), (443, 443), (1024, 3388), (3390, 65535)]
    assert all(r["action"] == "allow" and r["protocol"] == "tcp" for r in ingress)


def test_data_nacl_admits_mysql_from_the_app_subnets_only(prod):
    acl = _acl(prod, "data")
    app_subnets = set(_tier_subnets(prod, "app"))
    assert {(r["from_port"], r["to_port"]) for r in acl["ingress"]} == {(3306, 3306)}
    sources = {r["cidr_block"].split(".")[1] for r in acl["ingress"]}
    assert sources == app_subnets
    assert {r["cidr_block"].split(".")[1] for r in acl["egress"]} == app_subnets
    data_subnet_refs = {_ref("aws_subnet", n) for n in _tier_subnets(prod, "data")}
    assert set(acl["subnet_ids"]) == data_subnet_refs


def test_app_nacl_admits_the_vpc_and_replies_only(prod):
    acl = _acl(prod, "app")
    from_world = [r for r in acl["ingress"] if r["cidr_block"] == "0.0.0.0/0"]
    assert all(r["from_port"] >= 1024 and r["protocol"] == "tcp" for r in from_world)
    egress_world = sorted(r["from_port"] for r in acl["egress"] if r["cidr_block"] == "0.0.0.0/0")
    assert egress_world == [80, 443]


def test_default_security_group_and_nacl_are_stripped(prod):
    group = only(prod, "aws_default_security_group")
    assert "ingress" not in group and "egress" not in group
    default_acl = only(prod, "aws_default_network_acl")
    assert "ingress" not in default_acl and "egress" not in default_acl


def test_flow_logs_capture_all_traffic_into_an_encrypted_year_long_log_group(prod):
    CdktfTesting.to_have_resource_with_properties(json.dumps(prod), FlowLog.TF_RESOURCE_TYPE, {
        "traffic_type": "ALL", "log_destination_type": "cloud-watch-logs"})
    group = only(prod, "aws_cloudwatch_log_group")
    assert group["retention_in_days"] == 365
    assert group["kms_key_id"].startswith("${aws_kms_key.")
    key = only(prod, "aws_kms_key")
    assert key["enable_key_rotation"] is True and key["deletion_window_in_days"] == 30
    flow_log = only(prod, "aws_flow_log")
    assert flow_log["vpc_id"].startswith("${aws_vpc.") and flow_log["log_destination"].startswith(
        "${aws_cloudwatch_log_group.")


def test_flow_log_key_lets_logs_use_it_only_for_this_log_group(prod):
    policy = next(d for n, d in prod["data"]["aws_iam_policy_document"].items() if "flow-log-key_policy" in n)
    logs = next(s for s in policy["statement"] if s.get("sid") == "AllowLogs")
    condition = logs["condition"][0]
    assert condition["variable"] == "kms:EncryptionContext:aws:logs:arn"
    assert condition["values"] == ["arn:aws:logs:ap-south-1:123456789012:log-group:/vpc/notebookly-prod/flow-logs"]
    assert "kms:*" not in logs["actions"]


def test_gateway_endpoints_serve_app_and_data_route_tables(prod):
    endpoints = [e for e in resources(prod, "aws_vpc_endpoint").values() if e["vpc_endpoint_type"] == "Gateway"]
    assert sorted(e["service_name"] for e in endpoints) == ["com.amazonaws.ap-south-1.dynamodb",
                                                            "com.amazonaws.ap-south-1.s3"]
    for endpoint in endpoints:
        assert len(endpoint["route_table_ids"]) == 3  # two app tables and the data table


def test_prod_interface_endpoints_are_private_and_https_only(prod, dev):
    interface = [e for e in resources(prod, "aws_vpc_endpoint").values() if e["vpc_endpoint_type"] == "Interface"]
    assert len(interface) == 7 and all(e["private_dns_enabled"] for e in interface)
    groups = {g["name"]: g for g in resources(prod, "aws_security_group").values()}
    group = groups["notebookly-prod-vpc-endpoints"]
    assert [(r["from_port"], r["to_port"]) for r in group["ingress"]] == [(443, 443)]
    assert group["ingress"][0]["cidr_blocks"] == ["${aws_vpc.network_vpc_4E8F0223.cidr_block}"]
    assert not [e for e in resources(dev, "aws_vpc_endpoint").values() if e["vpc_endpoint_type"] == "Interface"]


def test_app_tier_group_exists_with_no_rules_so_its_members_reach_nothing_until_granted(prod, dev):
    for document, prefix in ((prod, "notebookly-prod"), (dev, "notebookly-dev")):
        group = next(g for g in resources(document, "aws_security_group").values() if g["name"] == f"{prefix}-app")
        assert "ingress" not in group and "egress" not in group  # Terraform then removes AWS's allow-all egress
        assert group["revoke_rules_on_delete"] is True
        assert document["output"]["app_security_group_id"]["value"].startswith("${aws_security_group.")


def test_backend_is_s3_with_native_locking_and_a_key_per_stack(prod):
    backend = prod["terraform"]["backend"]["s3"]
    assert backend == {"bucket": "notebookly-prod-tfstate-123456789012", "key": "notebookly/prod/network.tfstate",
                       "region": "ap-south-1", "encrypt": True, "use_lockfile": True}
    assert "dynamodb_table" not in backend


def test_provider_is_pinned_to_the_account_and_tags_everything(prod):
    provider = prod["provider"]["aws"][0]
    assert provider["allowed_account_ids"] == ["123456789012"]
    tags = provider["default_tags"][0]["tags"]
    assert {"Environment": "prod", "Owner": "platform-team", "CostCenter": "notebookly-web",
            "Project": "notebookly"}.items() <= tags.items()


def test_stack_exports_its_contract(prod):
    assert set(prod["output"]) == {"vpc_id", "vpc_cidr", "availability_zones", "public_subnet_ids",
                                   "app_subnet_ids", "data_subnet_ids", "app_route_table_ids",
                                   "data_route_table_ids", "flow_log_group_name", "app_security_group_id"}


@pytest.mark.parametrize("blueprint", ["cafe-nimbus", "levels"])
def test_the_public_nacl_admits_ssh_from_the_bastion_allow_list_only(synthesized, blueprint):
    """A bastion's security group alone is not enough: the stateless NACL would drop port 22 before it."""
    from configuration import load
    from tests.support import stack_document

    allowed = load(blueprint, "prod").compute.bastion.allowed_cidrs
    ingress = _acl(stack_document(synthesized[(blueprint, "prod")], "network"), "public")["ingress"]
    ssh = sorted(r["cidr_block"] for r in ingress if _opens(r, 22))
    assert ssh == sorted(allowed) and "0.0.0.0/0" not in ssh
