"""The CloudWatch agent of an EC2 fleet: root-filesystem and memory use, which EC2 cannot see from outside.

Each fleet stores its agent configuration in the SSM parameter `AmazonCloudWatch-<fleet name>`: the
managed policy CloudWatchAgentServerPolicy, which the instance role already has, allows
`ssm:GetParameter` on `parameter/AmazonCloudWatch-*` and nothing else in Parameter Store. The launch
template's user data starts with a short script that installs the agent where it is missing (dnf or
yum: Amazon Linux 2023 and 2; golden images from `modules/image` already carry it) and starts it with
that parameter; the blueprint's own user data follows, unchanged, as the next part of a MIME
multi-part document, which cloud-init runs in order.

The agent publishes, in the CWAgent namespace, `disk_used_percent` of "/" and `mem_used_percent` per
instance and, through `aggregation_dimensions`, once more per Auto Scaling group: that per-group
metric (`disk_used_metric`) is what the ops stack alarms on, by its Maximum (the fullest instance).
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from email import message_from_string
from email.message import EmailMessage, Message
from email.policy import default as mime_policy

from cdktf import Fn, Token
from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

AGENT_NAMESPACE = "CWAgent"
PARAMETER_PREFIX = "AmazonCloudWatch-"
"""CloudWatchAgentServerPolicy grants ssm:GetParameter on arn:aws:ssm:*:*:parameter/AmazonCloudWatch-* only."""
METRICS_INTERVAL_SECONDS = 60
ROOT_FILESYSTEM = "/"
GROUP_DIMENSION = "AutoScalingGroupName"
DISK_USED_PERCENT = "disk_used_percent"
MEMORY_USED_PERCENT = "mem_used_percent"
USER_DATA_LIMIT = 16 * 1024  # EC2's limit on user data before base64
AGENT_CTL = "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"
AGENT_PART_FILENAME = "00-cloudwatch-agent.sh"
"""cloud-init runs shell-script parts in the order of their file names: this one sorts before the rest."""
USER_PART_FILENAME = "50-user-data"

# cloud-init's own detection of a plain user-data document (its first characters decide its kind)
USER_DATA_KINDS = (("#!", "text/x-shellscript"), ("#cloud-config", "text/cloud-config"),
                   ("#cloud-boothook", "text/cloud-boothook"), ("#include", "text/x-include-url"))


@dataclass(frozen=True)
class GroupMetric:
    """Where a metric the agent publishes per Auto Scaling group lives (how to read it, the statistic, is the
    reader's choice: an alarm on the fullest instance reads Maximum)."""

    namespace: str
    name: str
    dimensions: Mapping[str, str]


def disk_used_metric(group_name: str) -> GroupMetric:
    """Used share of the root filesystem, aggregated over the group's instances."""
    return GroupMetric(AGENT_NAMESPACE, DISK_USED_PERCENT, {GROUP_DIMENSION: group_name})


def memory_used_metric(group_name: str) -> GroupMetric:
    """Used share of memory, aggregated over the group's instances."""
    return GroupMetric(AGENT_NAMESPACE, MEMORY_USED_PERCENT, {GROUP_DIMENSION: group_name})


def parameter_name(fleet_name: str) -> str:
    return f"{PARAMETER_PREFIX}{fleet_name}"


def agent_config() -> dict[str, object]:
    """The agent's JSON configuration: the root filesystem and memory, every 60 s, per instance and per group.

    `${aws:...}` are the agent's own placeholders, filled in on the instance (the group name from the
    instance's aws:autoscaling:groupName tag, read with ec2:DescribeTags, which the managed policy grants)."""
    interval = {"metrics_collection_interval": METRICS_INTERVAL_SECONDS}
    return {
        "agent": {**interval, "run_as_user": "cwagent", "omit_hostname": True},  # InstanceId names the host
        "metrics": {
            "namespace": AGENT_NAMESPACE,
            "append_dimensions": {name: "${aws:%s}" % name
                                  for name in (GROUP_DIMENSION, "InstanceId", "ImageId", "InstanceType")},
            "aggregation_dimensions": [[GROUP_DIMENSION]],
            "metrics_collected": {
                # "/" only: one filesystem per instance, so the per-group aggregate is the root filesystem's,
                # and drop_device keeps the metric when the root device is renamed (xvda1 / nvme0n1p1)
                "disk": {**interval, "resources": [ROOT_FILESYSTEM], "measurement": [DISK_USED_PERCENT],
                         "drop_device": True},
                "mem": {**interval, "measurement": [MEMORY_USED_PERCENT]},
            },
        },
    }


def agent_config_json() -> str:
    return json.dumps(agent_config(), sort_keys=True, separators=(",", ":"))


def terraform_literal(text: str) -> str:
    """Text Terraform must store as written: `${` and `%{` would otherwise be read as its own templates."""
    return text.replace("${", "$${").replace("%{", "%%{")


def start_script(parameter: str) -> str:
    """Boot script: install the agent where it is missing, then start it with the fleet's parameter.

    A failed install or start exits non-zero, so cloud-init reports it, while the blueprint's own part
    still runs; a system without dnf or yum (Debian, Ubuntu) is skipped with a message: bake the agent
    into such images."""
    source = f"ssm:{parameter}"
    # A Terraform variable in the name (a generated module's, validated to [a-z0-9-]) needs no quoting, like any
    # valid parameter name; quote() would quote its placeholder instead.
    source = source if Token.is_unresolved(source) else shlex.quote(source)
    return f"""#!/bin/bash
# CloudWatch agent (modules/fleet/agent.py): disk and memory use, configured by SSM parameter {parameter}
log() {{ echo "cloudwatch-agent: $*"; logger -t cloudwatch-agent -- "$*" || true; }}
CTL={AGENT_CTL}
if [ ! -x "$CTL" ]; then
  if command -v dnf >/dev/null 2>&1; then dnf install -y amazon-cloudwatch-agent
  elif command -v yum >/dev/null 2>&1; then yum install -y amazon-cloudwatch-agent
  else log "not installed and no dnf or yum here: bake it into the image; no disk metrics"; exit 0
  fi
fi
[ -x "$CTL" ] || {{ log "installation failed; no disk metrics"; exit 1; }}
{AGENT_CTL} -a fetch-config -m ec2 -s -c {source} || {{ log "start failed"; exit 1; }}
"""


UNRESOLVED_TOKEN = re.compile(r"\$\{TfToken\[[^\]]*\]\}")
"""How cdktf spells a string token before synthesis (a variable's value, in the generated HCL module)."""


def with_agent(user_data: str | None, parameter: str) -> str:
    """The launch template's user data: the agent's start script, then the fleet's own user data.

    Without user data of its own the fleet gets the script alone. Otherwise a MIME multi-part document:
    a plain document becomes one part of the kind cloud-init would have detected (shell script,
    cloud-config, ...); a MIME document contributes its parts as they are."""
    script = start_script(parameter)
    if not user_data:
        return script
    document = EmailMessage(policy=mime_policy)
    document["MIME-Version"] = "1.0"  # cloud-init reads a document as MIME only with this header
    document.make_mixed()
    document.attach(_text_part(script, "text/x-shellscript", AGENT_PART_FILENAME))
    for part in _user_parts(user_data):
        document.attach(part)
    # A fixed boundary (not a random one): the same input always synthesizes the same template
    # (unresolved Terraform tokens hash as one placeholder: their numbers depend on what the process made before)
    stable = UNRESOLVED_TOKEN.sub("${token}", f"{script}\0{user_data}")
    digest = hashlib.sha256(stable.encode()).hexdigest()[:32]
    boundary = f"==platform-{digest}=="
    if boundary in user_data:  # practically impossible; MIME would cut the document there
        raise ValueError(f"user data contains the MIME boundary {boundary!r}; fix: change the user data")
    document.set_boundary(boundary)
    return document.as_bytes(policy=mime_policy).decode()


def _text_part(text: str, content_type: str, filename: str) -> EmailMessage:
    part = EmailMessage(policy=mime_policy)
    subtype = content_type.split("/", 1)[1]
    # ASCII as it is (readable in the console, no growth against the 16 KB); anything else quoted-printable:
    # cloud-init parses the document as text, which garbles raw 8-bit bytes, but decodes a transfer encoding
    part.set_content(text, subtype=subtype, cte="7bit" if text.isascii() else "quoted-printable",
                     disposition="attachment", filename=filename)
    del part["MIME-Version"]  # only the document carries it
    return part


def _user_parts(user_data: str) -> list[Message]:
    if Token.is_unresolved(user_data):
        # A Terraform variable (a generated module's): text/plain, which cloud-init types by its first line as
        # above. MIME ends the part with a line break after the placeholder: without one of its own, the text ends
        # as a literal's part would.
        return [_text_part(Fn.trimsuffix(user_data, "\n"), "text/plain", USER_PART_FILENAME)]
    if "mime-version:" in user_data[:4096].lower():  # cloud-init's own test for a MIME document
        parsed = message_from_string(user_data, policy=mime_policy)
        return list(parsed.get_payload()) if parsed.is_multipart() else [parsed]
    kind = next((kind for prefix, kind in USER_DATA_KINDS if user_data.startswith(prefix)), "text/plain")
    return [_text_part(user_data, kind, USER_PART_FILENAME)]  # text/plain: cloud-init detects the kind itself


@dataclass(frozen=True)
class CloudWatchAgentProps:
    fleet_name: str
    """The fleet's name: the parameter is AmazonCloudWatch-<fleet_name>."""
    group_name: str
    """The fleet's Auto Scaling group, the dimension of the per-group metrics."""


class CloudWatchAgent(Construct):
    """The fleet's agent configuration parameter and the metrics the agent publishes from it."""

    def __init__(self, scope: Construct, id: str, props: CloudWatchAgentProps) -> None:
        super().__init__(scope, id)
        self.parameter = SsmParameter(
            self, "config", name=parameter_name(props.fleet_name), type="String", tier="Standard",
            value=terraform_literal(agent_config_json()),
            description=f"CloudWatch agent configuration of {props.fleet_name}: disk and memory use")
        self.disk_used = disk_used_metric(props.group_name)
        self.memory_used = memory_used_metric(props.group_name)
