"""The files a blueprint ships for its servers agree with each other and with its configuration: the image's
health page answers exactly the path the load balancer asks for, and reads only settings the boot script
writes (a page reading a setting nobody writes answered 503 forever, and a fleet that never turns healthy is
replaced in a loop; cafe-dr's would even have started a regional failover)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from configuration import load

BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints"
COMPONENTS = [(p.parent.parent.name, p) for p in sorted(BLUEPRINTS.glob("*/files/*-component.yaml"))]


def _created_files(component: Path) -> dict[str, str]:
    document = yaml.safe_load(component.read_text())
    return {item["path"]: item["content"] for phase in document["phases"] for step in phase["steps"]
            if step["action"] == "CreateFile" for item in step["inputs"]}


@pytest.mark.parametrize("blueprint, component", COMPONENTS, ids=[f"{b}-{p.name}" for b, p in COMPONENTS])
def test_the_health_page_answers_the_fleets_path_and_reads_what_the_boot_script_writes(blueprint, component):
    files = _created_files(component)
    (alias,) = re.findall(r"^Alias (\S+) (\S+)$", files["/etc/httpd/conf.d/health.conf"], re.MULTILINE)
    page = files[alias[1]]
    config = load(blueprint, "prod")
    fleets = list(config.compute.fleets.values())
    assert fleets and {fleet.health_check_path for fleet in fleets} == {alias[0]}
    read = set(re.findall(r"\$env\['(\w+)'\]", page))
    assert read, "the page reads its database settings from the boot script's file"
    for fleet in fleets:
        written = set(re.findall(r'echo "(\w+)=', (BLUEPRINTS / blueprint / fleet.user_data).read_text()))
        assert read <= written, f"{fleet.user_data} never writes {sorted(read - written)}"
    assert "PDO(" not in page and "DB_PASSWORD" not in page  # no sign-in: no credentials to get wrong
