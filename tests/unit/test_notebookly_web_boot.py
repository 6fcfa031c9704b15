"""Layer 1: notebookly's web servers serve (seed 004 L50, L85: user data installs the app; a simple web app on the
instances). The launch template's user data, as EC2 receives it, installs Apache where it is missing (dnf, yum or
apt), writes the app's page and the exact page the target group checks, keeps the settings file from Parameter
Store, and starts the server; the image is the Amazon Linux the script and the agent assume, and the logs the
fleet ships are the ones that server writes. Every shell part passes bash -n and, where installed, shellcheck."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from email import message_from_string
from email.policy import default as mime_policy

import pytest
from cdktf import Testing as CdktfTesting

from configuration import load
from configuration.compute import blueprint_file
from stacks.compute import ComputeStack
from tests.support import only

AMAZON_LINUX_2023_AP_SOUTH_1 = "ami-08e3b3155fc937a94"
"""/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64 in ap-south-1, as moto 5.2.5 ships it."""


def _public_parameter_value(region: str, name: str) -> str | None:
    """The AWS public parameter moto ships for a region (its copy of what AWS published)."""
    import gzip
    from pathlib import Path

    import moto

    path = Path(moto.__file__).parent / "ssm" / "resources" / "ami-amazon-linux-latest" / f"{region}.json.gz"
    return next((p["Value"] for p in json.loads(gzip.open(path).read()) if p["Name"] == name), None)


@pytest.fixture(scope="module", params=["prod", "dev"])
def boot(request):
    config = load("notebookly", request.param)
    compute = json.loads(CdktfTesting.synth(ComputeStack(CdktfTesting.app(), config)))
    template = only(compute, "aws_launch_template")
    document = base64.b64decode(template["user_data"]).decode()
    parts = list(message_from_string(document, policy=mime_policy).iter_parts())
    return config, template, parts


def _web_sh(parts) -> str:
    (own,) = [p for p in parts if p.get_filename() == "50-user-data"]
    return own.get_content()


def test_the_launch_template_runs_the_agent_then_the_boot_script_then_the_agents_restart(boot):
    config, _, parts = boot
    assert [p.get_filename() for p in parts] == ["00-cloudwatch-agent.sh", "50-user-data",
                                                 "90-cloudwatch-agent-logs.sh"]
    assert {p.get_content_type() for p in parts} == {"text/x-shellscript"}
    assert _web_sh(parts) == blueprint_file(config, config.compute.fleets["web"].user_data).read_text()


def test_the_web_server_is_installed_only_where_missing_by_the_systems_package_manager(boot):
    script = _web_sh(boot[2])
    assert "rpm -q httpd >/dev/null 2>&1 || dnf install -y httpd" in script
    assert "rpm -q httpd >/dev/null 2>&1 || yum install -y httpd" in script
    assert "dpkg -s apache2" in script and "apt-get install -y -q apache2" in script
    branches = [line.strip() for line in script.splitlines() if re.match(r"\s*(if|elif) command -v", line)]
    assert branches == ["if command -v dnf >/dev/null 2>&1; then", "elif command -v yum >/dev/null 2>&1; then",
                        "elif command -v apt-get >/dev/null 2>&1; then"]  # dnf first: AL2023 also answers to yum
    assert "exit 1" in script.split("else\n", 1)[1].split("fi\n", 1)[0]  # no package manager: a visible failure


def test_the_app_page_and_the_health_page_the_target_group_asks_for(boot):
    config, _, parts = boot
    script = _web_sh(parts)
    path = config.compute.fleets["web"].health_check_path
    (alias,) = re.findall(r"^Alias (\S+) (\S+)$", script, re.MULTILINE)
    assert alias[0] == path == "/health"  # exactly: /health/ would be a 301, which fails the check
    assert f"echo ok > {alias[1]}" in script
    directory = alias[1].rsplit("/", 1)[0]
    assert f"<Directory {directory}>\n    Require all granted\n</Directory>" in script
    assert "cat > /var/www/html/index.html <<'EOF'" in script and "<h1>Notebookly</h1>" in script
    assert "ServerTokens Prod" in script and "TraceEnable Off" in script


def test_the_server_starts_after_its_configuration_is_checked_and_settings_stay_in_parameter_store(boot):
    script = _web_sh(boot[2])
    order = [script.index(step) for step in ("get-parameters-by-path", "apachectl configtest",
                                             'systemctl enable "$SERVICE"', 'systemctl restart "$SERVICE"')]
    assert order == sorted(order)
    assert "> /etc/notebookly.env" in script and "chmod 600 /etc/notebookly.env" in script
    assert script.startswith("#!/bin/bash\n") and "set -euo pipefail" in script
    assert "PASSWORD" not in script.upper().replace("--WITH-DECRYPTION", "")


def test_the_image_is_the_amazon_linux_the_scripts_assume_and_the_shipped_logs_are_its_servers(boot):
    config, template, parts = boot
    image = config.compute.images[config.compute.fleets["web"].image].ami_id
    assert template["image_id"] == image == AMAZON_LINUX_2023_AP_SOUTH_1 and config.regions.primary == "ap-south-1"
    assert _public_parameter_value("ap-south-1", "/aws/service/ami-amazon-linux-latest/"
                                                 "al2023-ami-kernel-default-x86_64") == image
    # the script installs httpd where dnf is (Amazon Linux), and httpd writes where the fleet's agent reads
    logs = {log.path for log in config.compute.fleets["web"].shipped_logs}
    assert logs == {"/var/log/httpd/access_log", "/var/log/httpd/error_log"}
    assert "SERVICE=httpd" in _web_sh(parts)
    assert "-m u:cwagent:rX /var/log/httpd" in parts[0].get_content()


def test_every_part_is_valid_bash_and_passes_shellcheck(boot):
    bash, shellcheck = shutil.which("bash"), shutil.which("shellcheck")
    assert bash, "bash is needed to check the boot scripts"
    for part in boot[2]:
        subprocess.run([bash, "-n"], input=part.get_content(), text=True, check=True)
        if shellcheck:  # where it is installed (apt-get install shellcheck); bash -n above always runs
            result = subprocess.run([shellcheck, "-s", "bash", "-"], input=part.get_content(), text=True,
                                    capture_output=True)
            assert result.returncode == 0, f"{part.get_filename()}:\n{result.stdout}"
