"""The CloudWatch agent of an EC2 fleet: root-filesystem and memory use, which EC2 cannot see from outside, and
the fleet's log files (`modules/fleet/logs.py`), each into a KMS-encrypted log group the construct creates.

Each fleet stores its agent configuration in the SSM parameter `AmazonCloudWatch-<fleet name>` (the name
AWS's managed policy CloudWatchAgentServerPolicy and its tools expect; the instances may read this one
parameter). The launch template's user data starts with a short script that installs the agent where it is
missing (dnf or yum: Amazon Linux 2023 and 2; golden images from `modules/image` already carry it) and
starts it with that parameter; the blueprint's own user data follows, unchanged, as the next part of a MIME
multi-part document, which cloud-init runs in order.

The agent publishes, in the CWAgent namespace, `disk_used_percent` of "/" and `mem_used_percent` per
instance and, through `aggregation_dimensions`, once more per Auto Scaling group: that per-group
metric (`disk_used_metric`) is what the ops stack alarms on, by its Maximum (the fullest instance).

The instance role gets the agent's permissions as an inline policy, not the managed CloudWatchAgentServerPolicy
(which lets an instance create and write any log group of the account, an audit trail's included): metrics in
the CWAgent namespace only, the tags that name the group, this fleet's parameter and its own log groups. The
agent runs as the unprivileged user cwagent; log directories such as Apache's (root only, mode 0700) are
opened to it with an ACL that a systemd drop-in sets again at every start of the agent (a package update
resets the directory's mode, and Patch Manager reboots after updates); a last part of the user data restarts
the agent once the fleet's own user data has installed what writes the logs. The start script carries a
digest of the configuration, so a changed configuration is a new launch template, rolled out by instance
refresh (the agent reads its parameter only when it starts).
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import message_from_string
from email.message import EmailMessage, Message
from email.policy import default as mime_policy

from cdktf import Fn, Token
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
)
from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from modules.fleet.logs import FleetLogFile

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
RESTART_PART_FILENAME = "90-cloudwatch-agent-logs.sh"
"""After the fleet's own part: restarts the agent, whose drop-in then opens the log directories that part made."""
AGENT_USER = "cwagent"
DROP_IN = "/etc/systemd/system/amazon-cloudwatch-agent.service.d/log-access.conf"
SETFACL = "/usr/bin/setfacl"

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


def agent_config(log_groups: Mapping[str, str] | None = None) -> dict[str, object]:
    """The agent's JSON configuration: the root filesystem and memory, every 60 s, per instance and per group,
    and each log file (path -> log group name) into its group, one stream per instance.

    `${aws:...}` are the agent's own placeholders, filled in on the instance (the group name from the
    instance's aws:autoscaling:groupName tag, read with ec2:DescribeTags); `{instance_id}` is its placeholder
    for a log stream's name. No retention is set here: Terraform owns the log groups and their retention."""
    interval = {"metrics_collection_interval": METRICS_INTERVAL_SECONDS}
    logs = {"logs": {"logs_collected": {"files": {"collect_list": [
        {"file_path": path, "log_group_name": group, "log_stream_name": "{instance_id}"}
        for path, group in log_groups.items()]}}}} if log_groups else {}
    return {
        **logs,
        "agent": {**interval, "run_as_user": AGENT_USER, "omit_hostname": True},  # InstanceId names the host
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


def agent_config_json(log_groups: Mapping[str, str] | None = None) -> str:
    return json.dumps(agent_config(log_groups), sort_keys=True, separators=(",", ":"))


UNRESOLVED_TOKEN = re.compile(r"\$\{TfToken\[[^\]]*\]\}")
"""How cdktf spells a string token before synthesis (a variable's value, in the generated HCL module)."""


def stable_digest(text: str, length: int) -> str:
    """A digest of text that does not depend on token numbers (unresolved tokens hash as one placeholder: their
    numbers depend on what the process made before)."""
    return hashlib.sha256(UNRESOLVED_TOKEN.sub("${token}", text).encode()).hexdigest()[:length]


def terraform_literal(text: str) -> str:
    """Text Terraform must store as written: `${` and `%{` would otherwise be read as its own templates."""
    return text.replace("${", "$${").replace("%{", "%%{")


def start_script(parameter: str, configuration: str | None = None, log_directories: Sequence[str] = ()) -> str:
    """Boot script: install the agent where it is missing, open the log directories to it, then start it with
    the fleet's parameter (`configuration`, the parameter's JSON, default the metrics-only one, only goes into a
    digest comment).

    A failed install or start exits non-zero, so cloud-init reports it, while the blueprint's own part
    still runs; a system without dnf or yum (Debian, Ubuntu) is skipped with a message: bake the agent
    into such images."""
    source = f"ssm:{parameter}"
    # A Terraform variable in the name (a generated module's, validated to [a-z0-9-]) needs no quoting, like any
    # valid parameter name; quote() would quote its placeholder instead.
    source = source if Token.is_unresolved(source) else shlex.quote(source)
    what = "disk and memory use, log files" if log_directories else "disk and memory use"
    configuration = agent_config_json() if configuration is None else configuration
    digest = f"# configuration sha256 {stable_digest(configuration, 16)}: a new one is a new launch template\n"
    access = ""
    if log_directories:
        grants = "".join(f"ExecStartPre=-{SETFACL} -R -m u:{AGENT_USER}:rX {d}\n"
                         f"ExecStartPre=-{SETFACL} -d -m u:{AGENT_USER}:rX {d}\n" for d in log_directories)
        access = f"""command -v setfacl >/dev/null 2>&1 || dnf install -y acl || yum install -y acl || true
mkdir -p {DROP_IN.rsplit("/", 1)[0]}
cat > {DROP_IN} <<'EOF'
[Service]
# The agent runs as {AGENT_USER}: read access to its log directories, granted at every start
{grants}EOF
systemctl daemon-reload
"""
    return f"""#!/bin/bash
# CloudWatch agent (modules/fleet/agent.py): {what}, configured by SSM parameter {parameter}
{digest}log() {{ echo "cloudwatch-agent: $*"; logger -t cloudwatch-agent -- "$*" || true; }}
CTL={AGENT_CTL}
if [ ! -x "$CTL" ]; then
  if command -v dnf >/dev/null 2>&1; then dnf install -y amazon-cloudwatch-agent
  elif command -v yum >/dev/null 2>&1; then yum install -y amazon-cloudwatch-agent
  else log "not installed and no dnf or yum here: bake it into the image; no disk metrics"; exit 0
  fi
fi
[ -x "$CTL" ] || {{ log "installation failed; no disk metrics"; exit 1; }}
{access}{AGENT_CTL} -a fetch-config -m ec2 -s -c {source} || {{ log "start failed"; exit 1; }}
"""


RESTART_SCRIPT = f"""#!/bin/bash
# CloudWatch agent (modules/fleet/agent.py): restarted after the fleet's own user data, so that its drop-in
# opens the log directories that user data created
[ -x {AGENT_CTL} ] || exit 0
systemctl restart amazon-cloudwatch-agent
"""


def with_agent(user_data: str | None, parameter: str, configuration: str | None = None,
               log_directories: Sequence[str] = ()) -> str:
    """The launch template's user data: the agent's start script, then the fleet's own user data, then (with log
    files) the agent's restart.

    Without user data of its own the fleet gets the start script alone. Otherwise a MIME multi-part document:
    a plain document becomes one part of the kind cloud-init would have detected (shell script,
    cloud-config, ...); a MIME document contributes its parts as they are."""
    script = start_script(parameter, configuration, log_directories)
    if not user_data:
        return script
    document = EmailMessage(policy=mime_policy)
    document["MIME-Version"] = "1.0"  # cloud-init reads a document as MIME only with this header
    document.make_mixed()
    document.attach(_text_part(script, "text/x-shellscript", AGENT_PART_FILENAME))
    for part in _user_parts(user_data):
        document.attach(part)
    if log_directories:
        document.attach(_text_part(RESTART_SCRIPT, "text/x-shellscript", RESTART_PART_FILENAME))
    # A fixed boundary (not a random one): the same input always synthesizes the same template
    text = f"{script}\0{user_data}"
    boundary = f"==platform-{stable_digest(text, 32)}=="
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


def log_group_name(prefix: str, log: FleetLogFile) -> str:
    return f"{prefix}/{log.name}"


def collected_logs(prefix: str, logs: Sequence[FleetLogFile]) -> dict[str, str]:
    """What the agent ships: each file's path -> its log group's name."""
    return {log.path: log_group_name(prefix, log) for log in logs}


@dataclass(frozen=True)
class CloudWatchAgentProps:
    fleet_name: str
    """The fleet's name: the parameter is AmazonCloudWatch-<fleet_name>."""
    group_name: str
    """The fleet's Auto Scaling group, the dimension of the per-group metrics."""
    log_files: Sequence[FleetLogFile] = ()
    log_group_prefix: str = ""
    """Log groups are <log_group_prefix>/<log name>."""
    log_retention_days: int = 365
    log_encryption_key_arn: str | None = None
    """KMS key of the log groups (its policy must let CloudWatch Logs use it for them); Ec2FleetProps requires one
    with log files."""


class CloudWatchAgent(Construct):
    """The fleet's agent configuration parameter, the log groups it writes, and what the instances may do for it."""

    def __init__(self, scope: Construct, id: str, props: CloudWatchAgentProps) -> None:
        super().__init__(scope, id)
        shipped = f", {len(props.log_files)} log file(s)" if props.log_files else ""
        self.parameter = SsmParameter(
            self, "config", name=parameter_name(props.fleet_name), type="String", tier="Standard",
            value=terraform_literal(agent_config_json(collected_logs(props.log_group_prefix, props.log_files))),
            description=f"CloudWatch agent configuration of {props.fleet_name}: disk and memory use{shipped}")
        self.log_groups = {log.name: CloudwatchLogGroup(
            self, f"log-group-{log.name}", name=log_group_name(props.log_group_prefix, log),
            retention_in_days=props.log_retention_days, kms_key_id=props.log_encryption_key_arn)
            for log in props.log_files}
        self.disk_used = disk_used_metric(props.group_name)
        self.memory_used = memory_used_metric(props.group_name)

    @property
    def statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        """What the agent does with the instance role: no more than CloudWatchAgentServerPolicy, and no log group
        or parameter but this fleet's."""
        statements = [
            DataAwsIamPolicyDocumentStatement(
                sid="AgentMetrics", actions=["cloudwatch:PutMetricData"], resources=["*"],  # no resource-level form
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals", variable="cloudwatch:namespace", values=[AGENT_NAMESPACE])]),
            DataAwsIamPolicyDocumentStatement(  # the group name of the metrics' dimension, from the instance's tags
                sid="AgentInstanceTags", actions=["ec2:DescribeTags"], resources=["*"]),
            DataAwsIamPolicyDocumentStatement(
                sid="AgentConfiguration", actions=["ssm:GetParameter"], resources=[self.parameter.arn])]
        if self.log_groups:
            statements.append(DataAwsIamPolicyDocumentStatement(
                sid="AgentLogs", actions=["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                resources=[arn for group in self.log_groups.values() for arn in (group.arn, f"{group.arn}:*")]))
        return statements
