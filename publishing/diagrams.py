"""Architecture pictures, one per blueprint, drawn from its prod environment's synthesized resources.

    python -m publishing.diagrams OUTDIR [blueprint ...]     # all blueprints when none is named

Each blueprint's prod environment is synthesized into a temporary folder, read into the model of
publishing/architecture.py and drawn with the `diagrams` package (Graphviz's `dot` renders it). Every
picture is rendered before any is written, and each file is replaced whole, so an error leaves OUTDIR as
it was. Same synthesized input, same picture: node and cluster names come from the model, not at random.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from html import escape
from pathlib import Path

import diagrams
from diagrams import Cluster, Diagram, Edge, Node, setdiagram
from diagrams.aws import compute, cost, database, general, integration, management, network, security, storage
from diagrams.onprem.iac import Terraform

from configuration import ConfigError, list_blueprints, load
from publishing.architecture import (
    ACCESS,
    APP,
    DATA,
    EDGE,
    EVENT,
    INTERNET,
    OPS,
    PUBLIC,
    REPLICATION,
    REQUEST,
    SERVICES,
    Architecture,
    Component,
    Region,
    read_architecture,
)

ENVIRONMENT = "prod"
"""The environment pictured: the one each blueprint's documentation describes (every blueprint ships one)."""

ICONS: dict[str, type[Node]] = {
    "users": general.Users, "dns": network.Route53, "cdn": network.CloudFront, "waf": security.WAF,
    "alb": network.ElbApplicationLoadBalancer, "nat": network.NATGateway, "ec2": compute.EC2AutoScaling,
    "ecs": compute.Fargate, "lambda": compute.Lambda, "rds": database.RDS, "aurora": database.Aurora,
    "rds-proxy": database.Database, "cache": database.Elasticache, "efs": storage.ElasticFileSystemEFS,
    "s3": storage.SimpleStorageServiceS3, "log-archive": storage.SimpleStorageServiceS3BucketWithObjects,
    "sqs": integration.SimpleQueueServiceSqs, "secrets": security.SecretsManager,
    "ssm": management.SystemsManagerParameterStore, "ecr": compute.EC2ContainerRegistry,
    "image-builder": compute.EC2ImageBuilder, "scheduler": integration.EventbridgeScheduler,
    "cloudwatch": management.CloudwatchAlarm, "sns": integration.SimpleNotificationServiceSns,
    "dashboard": management.Cloudwatch, "cloudtrail": management.Cloudtrail, "backup": storage.Backup,
    "guardduty": security.Guardduty,
    "budget": cost.Budgets, "kms": security.KeyManagementService, "iam": security.IdentityAndAccessManagementIam,
    "state": Terraform,
}
"""Icon per component kind; a kind missing here is drawn with the generic AWS icon."""

FLOW_STYLES: dict[str, dict[str, str]] = {
    REQUEST: {"color": "#1f5fa8", "penwidth": "2.0"},
    ACCESS: {"color": "#5d6d7e", "penwidth": "1.2"},
    EVENT: {"color": "#d35400", "style": "dashed"},
    REPLICATION: {"color": "#7d3c98", "style": "dotted", "penwidth": "2.0"},
}
LEGEND = ("blue: user requests  |  grey: app access (port, or IAM grant)  |  orange dashed: events, alarms, "
          "backups  |  purple dotted: replication")
GRAPH = {"splines": "spline", "pad": "0.5", "nodesep": "0.5", "ranksep": "1.1", "labelloc": "t", "fontsize": "20",
         "newrank": "true", "mclimit": "0.1"}
"""Top-down: users, then the edge, then each region's tiers, regions side by side in declaration order
(primary first): a short crossing minimisation (mclimit) keeps that order instead of mirroring it."""
ICON_POINTS = 56
OPS_ORDER = ("cloudwatch", "dashboard", "budget", "cloudtrail", "guardduty", "backup", "sns", "kms", "iam",
             "log-archive", "state")
"""Operations nodes in reading order, five to a row: alarms over their topic, the trail over its buckets."""
OPS_PER_ROW = 5
TIER_TITLES = {PUBLIC: "Public subnets", APP: "App subnets", DATA: "Data subnets"}
ROLE_TITLES = {"primary": "primary site", "standby": "standby site", "secondary": "replicas"}


class _Canvas(Diagram):
    """A Diagram that renders nothing on exit: the caller pipes its source through dot (no files, no viewer)."""

    def __exit__(self, exc_type, exc_value, traceback):
        setdiagram(None)


class _Group(Cluster):
    """A Cluster named by the caller: the stock one is named after its label, so equal labels would merge."""

    def __init__(self, name: str, label: str, **graph_attr: str):
        super().__init__(label, graph_attr=graph_attr)
        self.name = self.dot.name = f"cluster_{name}"


def draw(architecture: Architecture) -> Diagram:
    """The picture's Graphviz graph: clusters for the edge, each region (VPC, tiers, regional services) and
    the account-wide operations, one node per component, one edge per flow."""
    title = (f"{architecture.blueprint} / {architecture.environment}: generated from {architecture.resources} "
             f"synthesized resources in {architecture.stacks} stacks\n{LEGEND}")
    canvas = _Canvas(title, direction="TB", show=False, graph_attr=GRAPH)
    nodes: dict[str, Node] = {}
    with canvas:
        by_place: dict[tuple[str | None, str], list[Component]] = {}
        for component in architecture.components:
            by_place.setdefault((component.region, component.tier), []).append(component)
        for component in by_place.pop((None, INTERNET), []):
            nodes[component.key] = _node(component)
        _group(nodes, "edge", "Edge (global): DNS, CDN, firewall", by_place.get((None, EDGE), []))
        for region in architecture.regions:
            _region_group(nodes, region, by_place)
        operations = sorted(by_place.get((None, OPS), []), key=lambda c: (
            OPS_ORDER.index(c.kind) if c.kind in OPS_ORDER else len(OPS_ORDER), c.key))
        _group(nodes, "ops", "Operations and audit (account-wide)", operations, OPS_PER_ROW)
        tiers = {c.key: c.tier for c in architecture.components}
        for flow in architecture.flows:
            # a flow between operations and the rest (backups, publishing to a topic) would pull the operations
            # cluster apart down the tiers' ranks; it is drawn without constraining the layout
            crosses = (tiers[flow.source] == OPS) != (tiers[flow.target] == OPS)
            nodes[flow.source].connect(nodes[flow.target], Edge(
                forward=True, label=flow.label, fontsize="11", constraint=str(not crosses).lower(),
                **FLOW_STYLES[flow.style]))
    return canvas


def _node(component: Component) -> Node:
    """The component's icon with its title in bold and its facts below, sized to its text: the stock node
    has a fixed 1.4 in box, too narrow for the facts, which then spill over their neighbours."""
    icon_class = ICONS.get(component.kind, general.General)
    icon = Path(diagrams.__file__).parent.parent / icon_class._icon_dir / icon_class._icon  # as Node._load_icon
    rows = [f'<TR><TD FIXEDSIZE="TRUE" WIDTH="{ICON_POINTS}" HEIGHT="{ICON_POINTS}"><IMG SRC="{escape(str(icon))}" '
            f'SCALE="TRUE"/></TD></TR>', f"<TR><TD><B>{escape(component.title)}</B></TD></TR>"]
    rows += [f'<TR><TD><FONT POINT-SIZE="11">{escape(fact)}</FONT></TD></TR>' for fact in component.facts]
    label = f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{"".join(rows)}</TABLE>>'
    return icon_class(label, nodeid=component.key, shape="plaintext", image="", fixedsize="false", width="0",
                      height="0", margin="0.05")


def _group(nodes: dict[str, Node], name: str, label: str, components: Sequence[Component], per_row: int = 0
           ) -> None:
    """A cluster of components; none when there are none (an empty cluster would still take room)."""
    if components:
        with _Group(name, label):
            _grid(nodes, components, per_row)


def _grid(nodes: dict[str, Node], components: Sequence[Component], per_row: int) -> None:
    """Draw `components`, `per_row` to a row (0: as the layout likes): unconnected nodes share one rank, one
    long row in a top-down layout, so invisible edges put each row's nodes above the next row's."""
    for index, component in enumerate(components):
        nodes[component.key] = _node(component)
        if per_row and index >= per_row:
            nodes[components[index - per_row].key].connect(nodes[component.key], Edge(style="invis"))


def _region_group(nodes: dict[str, Node], region: Region, by_place: dict[tuple[str | None, str], list[Component]]
                  ) -> None:
    """A region: its VPC with one cluster per subnet tier (AZs in the labels), then its regional services."""
    with _Group(f"region_{region.name}", f"{region.name}: {ROLE_TITLES.get(region.role, region.role)}"):
        if region.vpc is not None:
            vpc = region.vpc
            with _Group(f"vpc_{region.name}", f"VPC {vpc.cidr}, {len(vpc.zones)} AZs: {', '.join(vpc.zones)}, "
                                              f"{vpc.endpoints} VPC endpoints"):
                for tier in (PUBLIC, APP, DATA):
                    count = vpc.subnets.get(tier, 0)
                    per_zone = ", one per AZ" if count == len(vpc.zones) else ""
                    _group(nodes, f"{tier}_{region.name}", f"{TIER_TITLES[tier]} ({count}{per_zone})",
                                  by_place.get((region.name, tier), []))
        _group(nodes, f"services_{region.name}", "Regional services", by_place.get((region.name, SERVICES), []))


def render_png(diagram: Diagram) -> bytes:
    """The picture as PNG bytes (Graphviz's dot, run by the graphviz package)."""
    return diagram.dot.pipe(format="png")


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def write_atomically(path: Path, content: bytes) -> None:
    """Write through a temporary file in the same folder and rename: readers see the old file or the new one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(content)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def picture(blueprint: str, workdir: Path) -> tuple[Architecture, bytes]:
    """Synthesize `blueprint`'s prod environment into `workdir`, read it and render its picture."""
    from synth.runtime import prepare_runtime

    prepare_runtime()
    from synth.app import synthesize  # the provider bindings it imports need the prepared runtime

    synthesize(load(blueprint, ENVIRONMENT), workdir)
    architecture = read_architecture(workdir)
    return architecture, render_png(draw(architecture))


def _parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m publishing.diagrams", description=__doc__.split("\n")[0])
    parser.add_argument("outdir", type=Path, help="folder for <blueprint>.png (created if missing)")
    parser.add_argument("blueprints", nargs="*", help="blueprints to draw (default: all)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    known = [b.name for b in list_blueprints()]
    unknown = [name for name in args.blueprints if name not in known]
    if unknown:
        print(f"error: unknown blueprint {', '.join(map(repr, unknown))}; fix: name one of {', '.join(known)} "
              "(or none for all)", file=sys.stderr)
        return 2
    if shutil.which("dot") is None:
        print("error: Graphviz's `dot` is not on PATH; fix: run `make services` (installs the Debian package "
              "graphviz) or `apt-get install graphviz`", file=sys.stderr)
        return 2
    started = time.perf_counter()
    rendered: dict[str, tuple[Architecture, bytes]] = {}
    with tempfile.TemporaryDirectory(prefix="diagrams-") as workdir:
        for name in dict.fromkeys(args.blueprints or known):
            try:
                rendered[name] = picture(name, Path(workdir) / name)
            except ConfigError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
    args.outdir.mkdir(parents=True, exist_ok=True)
    for name, (architecture, png) in rendered.items():
        path = args.outdir / f"{name}.png"
        write_atomically(path, png)
        width, height = png_size(png)
        print(f"  {str(path):36} {width}x{height} px, {len(architecture.components)} components, "
              f"{len(architecture.flows)} flows")
    print(f"Drew {len(rendered)} diagrams in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
