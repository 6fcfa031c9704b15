"""Architecture diagrams (publishing/architecture.py, publishing/diagrams.py): the model finds each blueprint's
parts in its synthesized prod environment, with expectations taken from the configuration; the picture is a
readable PNG whose Graphviz source names them; the command writes whole pictures or none."""

from __future__ import annotations

from collections import deque
from html import escape
from pathlib import Path

import pytest

import publishing.diagrams as cli
from configuration import BlueprintConfig, list_blueprints, load
from modules.cache.valkey import ENGINE as CACHE_ENGINE
from modules.database.engines import engine
from publishing.architecture import (
    ACCESS,
    APP,
    DATA,
    EDGE,
    ENGINES,
    EVENT,
    OPS,
    PUBLIC,
    REPLICATION,
    REQUEST,
    Architecture,
    Component,
    read_architecture,
)
from publishing.diagrams import ENVIRONMENT, draw, png_size, render_png
from tests.support import TESTED_ENVIRONMENTS, assert_mentions, platform_manifest

BLUEPRINTS = [b.name for b in list_blueprints()]


@pytest.fixture(scope="module")
def architectures(synthesized: dict[tuple[str, str], Path]) -> dict[str, Architecture]:
    """Each blueprint's prod environment read into the model, from the session's one synthesis of it."""
    return {name: read_architecture(synthesized[(name, ENVIRONMENT)]) for name in BLUEPRINTS}


@pytest.fixture(scope="module")
def pictures(architectures: dict[str, Architecture]) -> dict[str, tuple[str, bytes]]:
    """blueprint -> (Graphviz source, PNG), each drawn once."""
    drawn = {}
    for name, architecture in architectures.items():
        diagram = draw(architecture)
        drawn[name] = (diagram.dot.source, render_png(diagram))
    return drawn


def config_of(blueprint: str) -> BlueprintConfig:
    return load(blueprint, ENVIRONMENT)


def parts(architecture: Architecture, kind: str, tier: str | None = None, region: str | None = None
          ) -> list[Component]:
    return [c for c in architecture.of_kind(kind) if tier in (None, c.tier) and region in (None, c.region)]


def one(architecture: Architecture, kind: str, tier: str | None = None, region: str | None = None) -> Component:
    found = parts(architecture, kind, tier, region)
    assert len(found) == 1, f"{architecture.blueprint}: {len(found)} {kind} components in {tier or 'any tier'} " \
                            f"of {region or 'any region'}: {[c.key for c in architecture.components]}"
    return found[0]


def reachable(architecture: Architecture, start: str, style: str) -> set[str]:
    """Component keys reachable from `start` along flows of `style`."""
    seen, queue = {start}, deque([start])
    while queue:
        current = queue.popleft()
        for flow in architecture.flows:
            if flow.source == current and flow.style == style and flow.target not in seen:
                seen.add(flow.target)
                queue.append(flow.target)
    return seen


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_network_matches_the_configuration(architectures: dict[str, Architecture], blueprint: str) -> None:
    architecture, config = architectures[blueprint], config_of(blueprint)
    primary = architecture.regions[0]
    assert (primary.name, primary.role) == (config.regions.primary, "primary")
    assert primary.vpc is not None
    assert primary.vpc.cidr == config.network.vpc_cidr
    assert primary.vpc.zones == tuple(config.regions.availability_zones)
    zones = len(config.regions.availability_zones)
    assert primary.vpc.subnets == {"app": zones, "data": zones, "public": zones}
    nat = one(architecture, "nat", PUBLIC, primary.name)
    assert nat.title == (f"NAT gateway x{zones}" if config.network.nat_gateways == "per_az" else "NAT gateway")


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_data_tier_matches_the_configuration(architectures: dict[str, Architecture], blueprint: str) -> None:
    architecture, config = architectures[blueprint], config_of(blueprint)
    region, data = config.regions.primary, config.data
    if data.databases:
        database = one(architecture, "rds", DATA, region)
        for settings in data.databases.values():
            assert ENGINES[settings.engine] in database.title
            assert any(settings.instance_class in fact for fact in database.facts), database.facts
    else:
        assert not parts(architecture, "rds", region=region)
    if data.aurora:
        cluster = one(architecture, "aurora", DATA, region)
        for settings in data.aurora.values():
            assert ENGINES[settings.engine] in cluster.title
            assert f"1 writer + {settings.readers} readers" in cluster.facts
    else:
        assert not parts(architecture, "aurora")
    if data.caches:
        cache = one(architecture, "cache", DATA, region)
        assert f"{ENGINES[CACHE_ENGINE]} " in cache.title
        for settings in data.caches.values():
            assert f"{settings.replicas + 1} nodes, {settings.node_type}" in cache.facts
    else:
        assert not parts(architecture, "cache", region=region)
    assert len(parts(architecture, "efs", DATA, region)) == (1 if data.file_systems else 0)
    if data.queues:
        assert one(architecture, "sqs", region=region).title.startswith(f"SQS: {len(data.queues)} queue")
    if data.secrets:
        assert one(architecture, "secrets", region=region).title == f"Secrets Manager: {len(data.secrets)}"
    if data.buckets:
        label = one(architecture, "s3", region=region).label
        assert_mentions(label, list(data.buckets))


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_compute_tier_matches_the_configuration(architectures: dict[str, Architecture], blueprint: str) -> None:
    architecture, config = architectures[blueprint], config_of(blueprint)
    region, compute = config.regions.primary, config.compute
    if compute.fleets:
        fleets = one(architecture, "ec2", APP, region)
        assert fleets.title.startswith(f"EC2 Auto Scaling: {len(compute.fleets)} group")
        for name, fleet in compute.fleets.items():
            assert any(fact.startswith(f"{name} x") and fact.endswith(fleet.instance_type) for fact in fleets.facts)
    if compute.services:
        services = one(architecture, "ecs", APP, region)
        assert services.title == f"ECS Fargate: {len(compute.services)} services"
        assert_mentions(services.label, [f"{name} x" for name in compute.services])
    assert len(parts(architecture, "ec2", PUBLIC, region)) == (1 if compute.bastion else 0)
    assert len(parts(architecture, "waf", PUBLIC, region)) == (1 if compute.waf else 0)
    assert one(architecture, "alb", PUBLIC, region).title == "Application LB"


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_edge_matches_the_configuration(architectures: dict[str, Architecture], blueprint: str) -> None:
    architecture, edge = architectures[blueprint], config_of(blueprint).edge
    assert edge.domain in one(architecture, "dns", EDGE).label
    distributions = (edge.static_site is not None) + (edge.load_balancer_cdn is not None) + \
        len(edge.asset_distributions)
    if distributions:
        cdn = one(architecture, "cdn", EDGE)
        assert cdn.title == ("CloudFront" if distributions == 1 else f"CloudFront x{distributions}")
        assert parts(architecture, "waf", EDGE), "a distribution without its CloudFront WAF"
    else:
        assert not parts(architecture, "cdn")


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_requests_flow_from_users_through_the_edge_to_every_compute_tier(
        architectures: dict[str, Architecture], blueprint: str) -> None:
    architecture, config = architectures[blueprint], config_of(blueprint)
    reached = reachable(architecture, "global/internet/users", REQUEST)
    dns, alb = one(architecture, "dns", EDGE), one(architecture, "alb", PUBLIC, config.regions.primary)
    assert {dns.key, alb.key} <= reached
    for kind in ("cdn", "waf"):
        assert {c.key for c in architecture.of_kind(kind)} <= reached, kind
    served = [c for c in parts(architecture, "ec2", APP) + parts(architecture, "ecs", APP)
              if c.region == config.regions.primary]
    assert served and {c.key for c in served} <= reached
    into_alb = {f.source for f in architecture.flows if f.target == alb.key and f.style == REQUEST}
    assert into_alb == {one(architecture, "waf", PUBLIC, config.regions.primary).key}, "requests skip the WAF"


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_the_app_tier_reaches_each_database_on_its_port(architectures: dict[str, Architecture],
                                                        blueprint: str) -> None:
    architecture, config = architectures[blueprint], config_of(blueprint)
    region, data = config.regions.primary, config.data
    settings = list(data.databases.values()) + list(data.aurora.values())
    stores = parts(architecture, "rds", DATA, region) + parts(architecture, "aurora", DATA, region)
    assert stores and settings
    apps = {c.key for c in architecture.components if c.tier == APP and c.region == region}
    for store in stores:
        labels = {f.label for f in architecture.flows if f.target == store.key and f.source in apps}
        assert {str(engine(s.engine).port) for s in settings} & labels, (store.key, labels)


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_operations_side_matches_the_configuration(architectures: dict[str, Architecture], blueprint: str) -> None:
    architecture, config = architectures[blueprint], config_of(blueprint)
    ops = {c.kind: c for c in architecture.components if c.tier == OPS}
    assert {"cloudwatch", "sns", "backup", "kms", "state"} <= set(ops)
    assert ("dashboard" in ops, "cloudtrail" in ops) == (config.ops.dashboard, config.ops.audit_trail)
    assert ("budget" in ops) == (config.ops.budget is not None)
    assert ("iam" in ops) == (config.account is not None)
    emails = len(config.ops.alarm_subscribers.emails)
    assert any(fact.startswith("email") for fact in ops["sns"].facts) == (emails > 0)
    flows = {(f.source, f.target, f.style) for f in architecture.flows}
    assert (ops["cloudwatch"].key, ops["sns"].key, EVENT) in flows
    databases = parts(architecture, "rds", DATA, config.regions.primary) + parts(architecture, "aurora")
    for database in databases:
        assert (ops["backup"].key, database.key, EVENT) in flows


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_a_standby_site_is_drawn_where_prod_has_one(architectures: dict[str, Architecture], blueprint: str) -> None:
    architecture, config = architectures[blueprint], config_of(blueprint)
    standby = [r for r in architecture.regions if r.role == "standby"]
    if config.dr.strategy == "none":
        assert not standby
        return
    assert [r.name for r in standby] == [config.regions.secondary]
    region = standby[0]
    assert region.vpc is not None
    assert (region.vpc.cidr, region.vpc.zones) == (config.dr.vpc_cidr, tuple(config.dr.availability_zones))
    primary_db, standby_db = (one(architecture, "rds", DATA, r) for r in (config.regions.primary, region.name))
    assert any(fact.startswith("read replica of") for fact in standby_db.facts)
    assert any(f.source == primary_db.key and f.target == standby_db.key and f.style == REPLICATION
               for f in architecture.flows)
    dns = one(architecture, "dns", EDGE)
    failover = {f.label: f.target for f in architecture.flows if f.source == dns.key and "failover" in f.label}
    assert failover == {"failover primary": one(architecture, "waf", PUBLIC, config.regions.primary).key,
                        "failover secondary": one(architecture, "waf", PUBLIC, region.name).key}
    for kind in ("alb", "ec2", "cache", "efs"):
        assert parts(architecture, kind, region=region.name), f"standby without {kind}"


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_one_node_per_kind_tier_and_region_not_one_per_resource(architectures: dict[str, Architecture],
                                                                 blueprint: str) -> None:
    architecture = architectures[blueprint]
    keys = [c.key for c in architecture.components]
    assert len(keys) == len(set(keys))
    assert len(keys) <= 40 and len(keys) * 10 < architecture.resources, (len(keys), architecture.resources)
    known = set(keys)
    assert all(f.source in known and f.target in known and f.source != f.target for f in architecture.flows)
    assert all(f.style in (REQUEST, ACCESS, EVENT, REPLICATION) for f in architecture.flows)


@pytest.mark.parametrize(("blueprint", "environment"), TESTED_ENVIRONMENTS)
def test_every_tested_environment_reads_into_a_consistent_model(
        synthesized: dict[tuple[str, str], Path], blueprint: str, environment: str) -> None:
    """Not only the pictured prod environments: dev and the warm-standby options read too, with a standby
    region exactly where the synthesized platform has standby-site stacks."""
    outdir = synthesized[(blueprint, environment)]
    architecture = read_architecture(outdir)
    keys = {c.key for c in architecture.components}
    assert len(keys) == len(architecture.components)
    assert all(f.source in keys and f.target in keys for f in architecture.flows)
    sites = {s["site"] for s in platform_manifest(outdir)["stacks"]}
    assert ("standby" in {r.role for r in architecture.regions}) == ("standby" in sites)


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_the_picture_is_a_png_whose_source_names_every_component(
        architectures: dict[str, Architecture], pictures: dict[str, tuple[str, bytes]], blueprint: str) -> None:
    source, png = pictures[blueprint]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = png_size(png)
    assert 1000 <= width <= 6000 and 1000 <= height <= 4000, (width, height)
    for component in architectures[blueprint].components:
        assert f'"{component.key}"' in source
        assert escape(component.title) in source, component.title
    assert source.count(" -> ") >= len(architectures[blueprint].flows)


def test_the_same_input_draws_the_same_picture(architectures: dict[str, Architecture],
                                               pictures: dict[str, tuple[str, bytes]]) -> None:
    diagram = draw(architectures["notebookly"])
    assert (diagram.dot.source, render_png(diagram)) == pictures["notebookly"]


def test_the_command_writes_one_picture_per_named_blueprint(tmp_path: Path) -> None:
    outdir = tmp_path / "docs" / "blueprints"
    assert cli.main([str(outdir), "notebookly"]) == 0
    assert [p.name for p in outdir.iterdir()] == ["notebookly.png"]
    assert (outdir / "notebookly.png").read_bytes().startswith(b"\x89PNG")


def test_an_unknown_blueprint_is_refused_before_anything_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([str(tmp_path / "out"), "notebookly", "no-such-shop"]) == 2
    assert_mentions(capsys.readouterr().err, ["'no-such-shop'", "fix:", *BLUEPRINTS])
    assert not (tmp_path / "out").exists()


def test_a_missing_graphviz_is_named_with_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli.shutil, "which", lambda name: None)
    assert cli.main([str(tmp_path / "out")]) == 2
    assert_mentions(capsys.readouterr().err, ["dot", "make services", "graphviz"])
    assert not (tmp_path / "out").exists()


def test_a_failure_leaves_the_pictures_as_they_were(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every picture is rendered before any is written: the second blueprint failing keeps the first's old file."""
    (tmp_path / "notebookly.png").write_bytes(b"old picture")

    def picture(blueprint: str, workdir: Path) -> tuple[Architecture, bytes]:
        if blueprint == "saas":
            raise RuntimeError("dot crashed")
        return Architecture(blueprint, ENVIRONMENT, [], [], [], 0, 0), b"\x89PNG new"

    monkeypatch.setattr(cli, "picture", picture)
    with pytest.raises(RuntimeError, match="dot crashed"):
        cli.main([str(tmp_path), "notebookly", "saas"])
    assert [p.name for p in tmp_path.iterdir()] == ["notebookly.png"]
    assert (tmp_path / "notebookly.png").read_bytes() == b"old picture"
