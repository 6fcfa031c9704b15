"""Run the real terraform CLI on a synthesized cdktf stack, offline or against moto.

Why: `cdktf synth` only proves Python runs; `terraform validate/plan/apply` with the real
AWS provider proves the JSON is what Terraform and the provider accept. Everything here
is arranged so that no request can leave 127.0.0.1: fake credentials, skip flags, and
endpoint overrides written as Terraform override files (`*override.tf.json`), which
Terraform merges into the synthesized config without us rewriting cdk.tf.json.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from configuration.loader import deep_merge

REPO_ROOT = Path(__file__).resolve().parents[2]
PLUGIN_MIRROR = Path("/opt/tf-plugins")
TERRAFORM = shutil.which("terraform") or "terraform"
STACK_FILE = "cdk.tf.json"
FAKE_ACCESS_KEY = "testing"
FAKE_SECRET_KEY = "testing"
DEFAULT_TIMEOUT = 900.0

# Canonical endpoint keys of provider 5.100.0 (aliases such as `cloudwatchlogs`,
# `applicationautoscaling`, `eventbridge` also validate, but setting a canonical key and
# its alias together is ambiguous, so only canonical names are used). Every key was
# checked against `terraform providers schema -json` and `terraform validate`.
# Any service left out would be sent to real AWS, so err on the side of listing it.
EMULATOR_ENDPOINT_SERVICES: tuple[str, ...] = (
    "acm", "apigateway", "apigatewayv2", "appautoscaling", "athena", "autoscaling",
    "backup", "budgets", "ce", "cloudformation", "cloudfront", "cloudtrail",
    "cloudwatch", "configservice", "dynamodb", "ec2", "ecr", "ecs", "efs", "eks",
    "elasticache", "elb", "elbv2", "events", "firehose", "glue", "guardduty", "iam",
    "imagebuilder", "kinesis", "kms", "lambda", "logs", "organizations", "rds",
    "resourcegroupstaggingapi", "route53", "route53resolver", "s3", "s3control",
    "scheduler", "secretsmanager", "securityhub", "servicediscovery", "ses", "sesv2",
    "sfn", "shield", "sns", "sqs", "ssm", "sts", "wafv2", "xray",
)

# Environment variables that would make terraform ignore our workdir or our arguments.
_DROPPED_ENV = ("TF_DATA_DIR", "TF_WORKSPACE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")
_FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_KEY,
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}
_OUTPUT_TAIL = 20_000

Json = dict[str, Any]


# --------------------------------------------------------------------------- CLI config


def cache_root() -> Path:
    """Shared cache directory (env PLATFORM_TF_CACHE, else <repo>/.cache/terraform)."""
    return Path(os.environ.get("PLATFORM_TF_CACHE") or REPO_ROOT / ".cache" / "terraform")


def _mirrored_providers(mirror: Path) -> list[str]:
    """`host/namespace/type` of every provider in an unpacked filesystem mirror."""
    if not mirror.is_dir():
        return []
    return sorted(str(p.relative_to(mirror)) for p in mirror.glob("*/*/*") if p.is_dir())


def cli_config_file() -> Path:
    """Write (idempotently, atomically) the terraform CLI config and return its path.

    Why: registry.terraform.io is unreachable here, so providers found in /opt/tf-plugins
    must come from that mirror and only others from the registry (a provider matched by
    both would make terraform query the registry too). Without a mirror, the plugin cache
    makes the many `terraform init` runs in per-test workdirs cheap.
    """
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    lines = ["disable_checkpoint = true"]
    mirrored = _mirrored_providers(PLUGIN_MIRROR)
    if not mirrored:
        plugin_cache = root / "plugin-cache"
        plugin_cache.mkdir(parents=True, exist_ok=True)
        lines.insert(0, f"plugin_cache_dir = {json.dumps(str(plugin_cache))}")
    else:
        # No plugin cache over the unpacked mirror: init links each workdir to the mirror itself. With a
        # cache, every init re-installed the provider into it, and a plan or destroy running meanwhile in
        # another worker found its provider directory gone ("could not read package directory").
        patterns = json.dumps(mirrored)
        lines += [
            "provider_installation {",
            f"  filesystem_mirror {{\n    path    = {json.dumps(str(PLUGIN_MIRROR))}",
            f"    include = {patterns}\n  }}",
            f"  direct {{\n    exclude = {patterns}\n  }}",
            "}",
        ]
    text = "\n".join(lines) + "\n"
    path = root / "terraform.rc"
    if not path.is_file() or path.read_text() != text:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)  # atomic: parallel pytest workers never see half a file
    return path


def terraform_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for every terraform subprocess: our CLI config, no prompts, fake creds.

    TF_CLI_ARGS*, TF_DATA_DIR, TF_WORKSPACE and AWS profiles from the caller's shell are
    dropped (unless passed in `extra`) because they silently change what a command does.
    """
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith("TF_CLI_ARGS") and k not in _DROPPED_ENV
    }
    no_proxy = ",".join(filter(None, [env.get("NO_PROXY"), "127.0.0.1", "localhost"]))
    env.update(
        TF_CLI_CONFIG_FILE=str(cli_config_file()),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",
        NO_PROXY=no_proxy,
        no_proxy=no_proxy,
        **_FAKE_AWS_ENV,
    )
    env.update(extra or {})
    return env


# ----------------------------------------------------------------------------- running


def _tail(text: str, limit: int = _OUTPUT_TAIL) -> str:
    return text if len(text) <= limit else f"[... {len(text) - limit} chars cut ...]\n{text[-limit:]}"


class TerraformError(RuntimeError):
    """A terraform command failed; the message carries command, exit code and output."""

    def __init__(self, args: Sequence[str], cwd: Path, returncode: int | None,
                 stdout: str, stderr: str, reason: str = "") -> None:
        self.command = list(args)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        status = reason or f"exited {returncode}"
        super().__init__(
            f"`{' '.join(args)}` in {cwd} {status}\n"
            f"--- stderr ---\n{_tail(stderr)}\n--- stdout ---\n{_tail(stdout)}"
        )


# Concurrent operations of apply/destroy (terraform's default is 10). Against one moto server, the
# largest stacks (levels' data stack: 144 resources) lost responses now and then under 10 concurrent
# operations; a lost response to a create is fatal (the SDK's retry then meets AlreadyExists).
EMULATOR_PARALLELISM = int(os.environ.get("PLATFORM_TF_PARALLELISM", "5"))

# Transport errors of the provider's HTTP client that say nothing about the configuration.
DROPPED_CONNECTION_MARKERS = ("use of closed network connection", "connection reset by peer")


def is_dropped_connection(stderr: str) -> bool:
    """True when every error terraform printed is a dropped connection to the emulator."""
    errors = [block for block in stderr.split("Error: ")[1:] if block.strip()]
    return bool(errors) and all(any(marker in block for marker in DROPPED_CONNECTION_MARKERS)
                                for block in errors)


class TerraformWorkdir:
    """A private copy of one synthesized stack in which terraform runs.

    Why a copy: init and override files write next to the config; doing that inside
    cdktf.out would race with synth and with other tests. Assets referenced by relative
    paths travel along because the whole stack folder is copied.
    """

    def __init__(self, stack_dir: Path | str, workdir: Path | str,
                 env: Mapping[str, str] | None = None) -> None:
        self.path = Path(workdir)
        shutil.copytree(stack_dir, self.path, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.*"))
        self.env = terraform_env(env)
        self.last_plan_output = ""

    @property
    def stack_json(self) -> Json:
        """The synthesized config as copied (overrides are separate files)."""
        stack: Json = json.loads((self.path / STACK_FILE).read_text())
        return stack

    def clone(self, workdir: Path | str) -> TerraformWorkdir:
        """Copy config and override files (not .terraform) into a second workdir.

        Why: a second, independent user of the same state, e.g. to prove locking. Call
        init() on the clone; the provider comes from the plugin cache so that is quick.
        """
        return TerraformWorkdir(self.path, workdir, env=self.env)

    def write_override(self, *parts: Json, name: str = "override") -> Path:
        """Merge `parts` and write them as an override file Terraform merges into the stack.

        name="override" writes override.tf.json, anything else `<name>_override.tf.json`.
        """
        filename = "override.tf.json" if name == "override" else f"{name}_override.tf.json"
        path = self.path / filename
        path.write_text(json.dumps(merge_overrides(*parts), indent=2) + "\n")
        return path

    def effective_backend(self) -> tuple[str, Json]:
        """(type, config) of the backend after override files (last in lexical order wins)."""
        backend = self.stack_json.get("terraform", {}).get("backend", {"local": {}})
        for path in sorted(self.path.glob("*override.tf.json")):
            backend = json.loads(path.read_text()).get("terraform", {}).get("backend", backend)
        ((kind, config),) = backend.items()
        return kind, config

    def run(self, *args: str, check: bool = True, timeout: float = DEFAULT_TIMEOUT,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run `terraform <args>` here; raise TerraformError on non-zero exit if check."""
        cmd = [TERRAFORM, *args]
        with subprocess.Popen(cmd, cwd=self.path, env=self.env, text=True,
                              stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True) as proc:
            try:
                stdout, stderr = proc.communicate(input, timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                stdout, stderr = proc.communicate()
                raise TerraformError(cmd, self.path, None, stdout, stderr,
                                     f"timed out after {timeout:.0f}s") from None
        result = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
        if check and result.returncode != 0:
            raise TerraformError(cmd, self.path, result.returncode, stdout, stderr)
        return result

    def init(self, backend: bool = True) -> None:
        """terraform init; -reconfigure so a changed backend override never prompts to migrate.

        Inits are serialized across processes (pytest-xdist) with a file lock because
        terraform's plugin cache is not safe for concurrent writers.
        """
        flags = ["-reconfigure"] if backend else ["-backend=false"]
        with (cache_root() / "init.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.run("init", "-no-color", "-input=false", *flags)

    def validate(self) -> None:
        self.run("validate", "-no-color")

    def plan(self, detailed_exitcode: bool = False, extra_args: Sequence[str] = ()) -> int:
        """terraform plan; returns 0, or 2 (changes) with detailed_exitcode; raises otherwise."""
        args = ["plan", "-no-color", "-input=false", *extra_args]
        if detailed_exitcode:
            args.append("-detailed-exitcode")
        result = self.run(*args, check=False)
        if result.returncode not in ((0, 2) if detailed_exitcode else (0,)):
            raise TerraformError(result.args, self.path, result.returncode,
                                 result.stdout, result.stderr)
        self.last_plan_output = result.stdout
        return result.returncode

    def apply(self, extra_args: Sequence[str] = ()) -> None:
        self._converge("apply", *extra_args)

    def apply_then_plan(self) -> int:
        """init, apply, then `plan -detailed-exitcode`: 0 when a second plan finds nothing to change (the
        emulator layer's check of every stack; the plan's text is in last_plan_output)."""
        self.init()
        self.apply()
        return self.plan(detailed_exitcode=True)

    def destroy(self, extra_args: Sequence[str] = ()) -> None:
        self._converge("destroy", *extra_args)

    def _converge(self, command: str, *extra_args: str) -> None:
        """apply/destroy, run once more if the only failure was a dropped emulator connection.

        Why: the moto server (werkzeug) closes every connection after its response; under
        destroy's parallelism the provider's HTTP client now and then loses a response body
        ("use of closed network connection") on both of its two attempts (max_retries = 2,
        which keeps unimplemented calls from hanging). apply and destroy converge from state,
        so a second run is safe; any other error, or the same one twice, still fails.
        """
        args = (command, "-no-color", "-input=false", "-auto-approve", f"-parallelism={EMULATOR_PARALLELISM}",
                *extra_args)
        try:
            self.run(*args)
        except TerraformError as error:
            if not is_dropped_connection(error.stderr):
                raise
            print(f"terraform {command} in {self.path}: emulator connection dropped, running it again")
            self.run(*args)

    def output(self) -> Json:
        """`terraform output -json`: {name: {"value", "type", "sensitive"}}."""
        outputs: Json = json.loads(self.run("output", "-no-color", "-json").stdout)
        return outputs


def _kill_group(proc: subprocess.Popen[Any]) -> None:
    """Kill terraform and its provider plugins (they share the new session's group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, 9)


# ---------------------------------------------------------------------- state locking


def _lock_probe(workdir: TerraformWorkdir) -> tuple[Callable[[], bool], list[str]]:
    """(function telling whether the workdir's state is locked, extra `console` args).

    S3 with use_lockfile: the `<key>.tflock` object exists (asked of the emulator only).
    local: terraform writes `.<state file>.lock.info` next to the state while it holds the
    fcntl lock. `console` needs -state=<path> there: it ignores the local backend's
    `path` and would lock ./terraform.tfstate instead.
    """
    kind, config = workdir.effective_backend()
    if kind == "local":
        state: Path = workdir.path / str(config.get("path", "terraform.tfstate"))
        info = state.with_name(f".{state.name}.lock.info")
        return info.exists, [f"-state={state}"]
    if kind == "s3" and config.get("use_lockfile"):
        endpoint = (config.get("endpoints") or {}).get("s3")
        if not endpoint or not endpoint.startswith(("http://127.0.0.1", "http://localhost")):
            raise ValueError("refusing to probe a lock outside the local emulator")
        import boto3
        import botocore.config

        s3 = boto3.client(
            "s3", endpoint_url=endpoint, region_name=config["region"],
            aws_access_key_id=FAKE_ACCESS_KEY, aws_secret_access_key=FAKE_SECRET_KEY,
            config=botocore.config.Config(s3={"addressing_style": "path"}),
        )

        def s3_locked() -> bool:
            found = s3.list_objects_v2(Bucket=config["bucket"], Prefix=config["key"] + ".tflock")
            return bool(found.get("KeyCount", 0) > 0)

        return s3_locked, []
    raise NotImplementedError(f"no lock probe for backend {kind!r} {sorted(config)}")


@contextlib.contextmanager
def hold_state_lock(workdir: TerraformWorkdir, timeout: float = 120.0) -> Iterator[subprocess.Popen[bytes]]:
    """Hold the workdir's state lock for the duration of the `with` block.

    How: `terraform console` takes the state lock and, reading a pipe, evaluates nothing
    until stdin closes, so keeping stdin open keeps the lock. We wait until the lock is
    visible in the backend (not just until the process started), then yield; on exit stdin
    is closed and console releases the lock and exits.
    """
    locked, console_args = _lock_probe(workdir)
    if locked():
        raise RuntimeError(f"state of {workdir.path} is already locked")
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([TERRAFORM, "console", *console_args], cwd=workdir.path, env=workdir.env,
                                stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

        def failure(reason: str) -> TerraformError:
            log.seek(0)
            return TerraformError(["terraform", "console"], workdir.path, proc.poll(),
                                  log.read().decode(errors="replace"), "", reason)

        try:
            deadline = time.monotonic() + timeout
            while not locked():
                if proc.poll() is not None:
                    raise failure("exited before the lock was seen")
                if time.monotonic() > deadline:
                    raise failure(f"held no visible lock after {timeout:.0f}s")
                time.sleep(0.2)
            yield proc
        finally:
            assert proc.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                proc.wait()


# ------------------------------------------------------------------- override builders


def merge_overrides(*parts: Json) -> Json:
    """Deep-merge override dicts: nested dicts merge, anything else (lists too) is replaced
    by the later part. Combine builders that touch different top-level keys."""
    return functools.reduce(deep_merge, parts, {})  # the same merge rule as blueprint `extends`


def _aws_provider_configs(stack_json: Json) -> list[Json]:
    configs = stack_json.get("provider", {}).get("aws", [])
    return [configs] if isinstance(configs, dict) else list(configs)


def _per_aws_provider(stack_json: Json, settings: Json) -> Json:
    """One override block per aws provider config in the stack, matched by alias.

    An override for a provider config the stack lacks is an error in Terraform, so only
    existing (alias) configs are overridden.
    """
    blocks = [
        {**settings, **({"alias": cfg["alias"]} if "alias" in cfg else {})}
        for cfg in _aws_provider_configs(stack_json)
    ]
    return {"provider": {"aws": blocks}} if blocks else {}


def _offline_provider_settings() -> Json:
    return {
        "access_key": FAKE_ACCESS_KEY,
        "secret_key": FAKE_SECRET_KEY,
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
    }


def offline_provider_overrides(stack_json: Json) -> Json:
    """Provider overrides for `plan` with no network at all.

    Fake static keys plus skip flags stop the provider calling STS/IMDS during configure;
    plan then works as long as no data source calls AWS. allowed/forbidden_account_ids
    are nulled: with no account id requested the provider would reject the empty id
    ("AWS account ID not allowed: "), and offline there is no account to check anyway.
    """
    return _per_aws_provider(stack_json, {
        **_offline_provider_settings(),
        "allowed_account_ids": None,
        "forbidden_account_ids": None,
    })


def emulator_provider_overrides(stack_json: Json, endpoint_url: str) -> Json:
    """Provider overrides sending every listed service to the emulator.

    Differs from offline in one point: the account id IS requested (from moto's STS), so
    ARNs carry moto's account 123456789012 and `allowed_account_ids` is checked for real.
    max_retries=2 because moto answers unimplemented calls with HTTP 500, which the
    default retry policy retries for ~10 minutes.
    """
    return _per_aws_provider(stack_json, {
        **_offline_provider_settings(),
        "skip_requesting_account_id": False,
        "s3_use_path_style": True,
        "max_retries": 2,
        "endpoints": [{service: endpoint_url for service in EMULATOR_ENDPOINT_SERVICES}],
    })


def local_backend_override(state_path: Path | str) -> Json:
    """Replace the stack's backend with a local state file (an override's backend block
    replaces the original backend wholesale, whatever its type)."""
    return {"terraform": {"backend": {"local": {"path": str(state_path)}}}}


def _s3_emulator_settings(endpoint_url: str) -> Json:
    """What Terraform 1.11's S3 backend / terraform_remote_state need to talk to moto."""
    return {
        "endpoints": {"s3": endpoint_url, "sts": endpoint_url, "iam": endpoint_url,
                      "dynamodb": endpoint_url},
        "use_path_style": True,
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
        "access_key": FAKE_ACCESS_KEY,
        "secret_key": FAKE_SECRET_KEY,
    }


def emulator_s3_backend_override(stack_json: Json, endpoint_url: str) -> Json:
    """The stack's own S3 backend (bucket, key, region, encrypt, use_lockfile, ...) plus
    emulator settings. All original settings are repeated because the override's backend
    block replaces the original one instead of merging into it."""
    backend = stack_json.get("terraform", {}).get("backend", {})
    if "s3" not in backend:
        raise ValueError(f"stack has no s3 backend: {sorted(backend)}")
    return {"terraform": {"backend": {"s3": {**backend["s3"], **_s3_emulator_settings(endpoint_url)}}}}


def remote_state_overrides(stack_json: Json, mode: Literal["local", "emulator"], *,
                           state_files: Mapping[str, Path | str] | None = None,
                           endpoint_url: str | None = None) -> Json:
    """Redirect every `terraform_remote_state` data source.

    mode="local": read `state_files[name]` (see seeded_state_file) for an offline plan.
    mode="emulator": keep the s3 config and add the emulator settings. In both cases the
    whole `config` attribute is restated, since override attributes replace, not merge.
    """
    sources: Json = stack_json.get("data", {}).get("terraform_remote_state", {})
    redirected: Json = {}
    for name, source in sources.items():
        if mode == "local":
            if state_files is None or name not in state_files:
                raise KeyError(f"no state file given for terraform_remote_state.{name}")
            redirected[name] = {"backend": "local", "config": {"path": str(state_files[name])}}
        elif mode == "emulator":
            if endpoint_url is None or source.get("backend") != "s3":
                raise ValueError(f"terraform_remote_state.{name}: need endpoint_url and an s3 backend")
            redirected[name] = {"config": {**source.get("config", {}),
                                           **_s3_emulator_settings(endpoint_url)}}
        else:
            raise ValueError(f"unknown mode {mode!r}")
    return {"data": {"terraform_remote_state": redirected}} if redirected else {}


# ------------------------------------------------------------------------ seeded state


def _terraform_type(value: object) -> object:
    """Terraform type constraint (state JSON form) for a JSON-like Python value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        types = [_terraform_type(v) for v in value]
        if all(t == types[0] for t in types[1:]):
            return ["list", types[0] if types else "string"]
        return ["tuple", types]
    if isinstance(value, dict):
        fields = {str(k): _terraform_type(v) for k, v in value.items()}
        kinds = list(fields.values())
        if all(t == kinds[0] for t in kinds[1:]):
            return ["map", kinds[0] if kinds else "string"]
        return ["object", fields]
    raise TypeError(f"no terraform type for {value!r}")


def seeded_state_file(path: Path | str, outputs: Mapping[str, object]) -> Path:
    """Write a minimal state (format v4) holding only `outputs`.

    Why: lets a stack whose `terraform_remote_state` reads another stack's outputs be
    planned offline, without applying that other stack first.
    """
    state = {
        "version": 4,
        "terraform_version": "1.0.0",
        "serial": 1,
        "lineage": str(uuid.uuid4()),
        "outputs": {k: {"value": v, "type": _terraform_type(v)} for k, v in outputs.items()},
        "resources": [],
        "check_results": None,
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(state, indent=2) + "\n")
    return target
