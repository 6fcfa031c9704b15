"""moto 5.2.5 gaps in Secrets Manager rotation (data.secrets.<name>.generated and its rotation function).

Same rules as moto_patches: one function per gap, a docstring saying what AWS does and what moto did;
`moto_patches.apply_all` runs these in the server process. The Lambda-code tests apply them in process too
(tests/lambda_code/test_secret_rotation.py), with `RUNNER` set to call the handler directly.

How a started rotation runs its function is `RUNNER`: by default (the moto server) the function's deployed zip,
which moto keeps, runs in a Python process of its own with the function's environment, its four steps in order,
against this server with the caller's credentials, as Lambda would run it with its role.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

SECRETS_PATCHES: list[Callable[[], None]] = []
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
"""What Secrets Manager calls, in order, for each rotation; it stops at the first step that fails."""


@dataclass(frozen=True)
class RotationRun:
    """One rotation Secrets Manager has started: which function, on which secret version, for whom."""

    handler: str
    """The function's handler, e.g. 'secret_rotation.handler.handler'."""
    code: bytes
    """The function's deployment package (zip)."""
    environment: Mapping[str, str]
    timeout_seconds: int
    region: str
    secret_arn: str
    token: str
    """The version staged AWSPENDING: the event's ClientRequestToken."""
    endpoint: str | None = None
    """The server the rotation was requested from (None in process)."""
    access_key: str | None = None
    steps: tuple[str, ...] = STEPS

    def events(self) -> list[dict[str, str]]:
        return [{"Step": step, "SecretId": self.secret_arn, "ClientRequestToken": self.token} for step in self.steps]


_CALLER = threading.local()
_SCRIPT = """
import importlib, json, sys
module, _, attribute = sys.argv[1].rpartition(".")
function = getattr(importlib.import_module(module), attribute)
for event in json.loads(sys.argv[2]):
    function(event, None)
    print("step done:", event["Step"], flush=True)
"""


def run_in_a_process_of_its_own(run: RotationRun) -> None:
    """Lambda's part, after RotateSecret has answered: the zip unpacked into a folder of its own, the steps run
    there in a fresh interpreter (only the zip and the runtime's boto3 on its path, only the function's
    environment) against this server. The outcome goes to the server's log; a failed step ends the rotation
    with the secret still AWSPENDING, as in AWS."""
    def work() -> None:
        folder = tempfile.mkdtemp(prefix="rotation-function-")
        try:
            zipfile.ZipFile(io.BytesIO(run.code)).extractall(folder)
            environment = {**run.environment, "AWS_REGION": run.region, "AWS_DEFAULT_REGION": run.region,
                           "AWS_ACCESS_KEY_ID": run.access_key or "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_ENDPOINT_URL": run.endpoint or "", "NO_PROXY": "127.0.0.1,localhost",
                           "no_proxy": "127.0.0.1,localhost", "PYTHONPATH": folder, "PYTHONDONTWRITEBYTECODE": "1"}
            done = subprocess.run([sys.executable, "-c", _SCRIPT, run.handler, json.dumps(run.events())],
                                  cwd=folder, env=environment, capture_output=True, text=True,
                                  timeout=run.timeout_seconds * len(run.steps))
            print(f"rotation of {run.secret_arn} version {run.token}: exit {done.returncode}\n{done.stdout}"
                  f"{done.stderr}", flush=True)
        except Exception as error:  # noqa: BLE001 - the server keeps serving; the log says what happened
            print(f"rotation of {run.secret_arn} version {run.token} could not run: {error!r}", flush=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    threading.Thread(target=work, name=f"rotation-{run.token}", daemon=True).start()


RUNNER: Callable[[RotationRun], None] = run_in_a_process_of_its_own


def secretsmanager_rotation_runs_the_function() -> None:
    """RotateSecret as AWS does it: it records the schedule, stages a new version AWSPENDING (without a value:
    the function's createSecret puts one) and starts the function, which Secrets Manager calls with createSecret,
    setSecret, testSecret and finishSecret; AWSCURRENT moves only when finishSecret moves it. moto 5.2.5: (1) on a
    secret without a value yet it fails with HTTP 500 (it makes the new version id only when a version exists),
    where AWS rotates it into its first value; (2) it runs the function only through Docker, which the emulator
    has not, so no step runs, and then labels the empty version AWSCURRENT itself; (3) it refuses a new rotation
    when AWSPENDING and AWSCURRENT share a version, the state AWS documents as a finished rotation (AWS refuses
    only while AWSPENDING is on a version that is not AWSCURRENT: "A previous rotation isn't complete"). The
    patch stages as AWS does and hands the run to RUNNER. RotateImmediately false records the schedule only."""
    from moto.awslambda.utils import get_backend as lambda_backend
    from moto.secretsmanager.exceptions import (
        InvalidParameterException,
        InvalidRequestException,
        OperationNotPermittedOnReplica,
        ResourceNotFoundException,
        SecretNotFoundException,
    )
    from moto.secretsmanager.models import ReplicaSecret, SecretsManagerBackend
    from moto.secretsmanager.responses import SecretsManagerResponse

    def rotate_secret(self: SecretsManagerBackend, secret_id: str, client_request_token: str | None = None,
                      rotation_lambda_arn: str | None = None, rotation_rules: dict[str, Any] | None = None,
                      rotate_immediately: bool = True) -> str:
        if not self._is_valid_identifier(secret_id):
            raise SecretNotFoundException()
        secret = self.secrets[secret_id]
        if isinstance(secret, ReplicaSecret):
            raise OperationNotPermittedOnReplica
        if secret.is_deleted():
            raise InvalidRequestException("You tried to perform the operation on a secret that's currently marked "
                                          "deleted.")
        function_arn = rotation_lambda_arn or secret.rotation_lambda_arn
        if not function_arn:
            raise InvalidRequestException("No Lambda rotation function ARN is associated with this secret.")
        days = (rotation_rules or {}).get("AutomaticallyAfterDays")
        if days is not None and not 1 <= int(days) <= 1000:
            raise InvalidParameterException("RotationRules.AutomaticallyAfterDays must be within 1-1000.")
        try:
            function = lambda_backend(self.account_id, self.region_name).get_function(function_arn)
        except Exception as error:
            raise ResourceNotFoundException(f"Resource not found for ARN '{function_arn}'.") from error
        token = client_request_token or str(uuid.uuid4())
        unfinished = [version for version, v in secret.versions.items()
                      if "AWSPENDING" in v["version_stages"] and "AWSCURRENT" not in v["version_stages"]]
        if unfinished and unfinished != [token]:
            raise InvalidRequestException("A previous rotation isn't complete. That rotation will be reattempted.")
        secret.rotation_requested = secret.rotation_enabled = True
        secret.rotation_lambda_arn = function_arn
        if days is not None:
            secret.auto_rotate_after_days = int(days)
        now = int(time.time())
        secret.next_rotation_date = now + secret.auto_rotate_after_days * 86400
        if rotate_immediately:
            if token not in secret.versions:
                secret.remove_version_stages_from_old_versions(["AWSPENDING"])
                secret.versions[token] = {"createdate": now, "version_id": token, "version_stages": ["AWSPENDING"]}
            secret.last_rotation_date = now
            caller = getattr(_CALLER, "value", None) or {}
            RUNNER(RotationRun(
                handler=function.handler, code=function.code_bytes, environment=dict(function.environment_vars),
                timeout_seconds=int(function.timeout), region=self.region_name, secret_arn=secret.arn, token=token,
                **caller))
        return json.dumps({"ARN": secret.arn, "Name": secret.name, "VersionId": token})

    original_response = SecretsManagerResponse.rotate_secret

    def response_rotate_secret(self: SecretsManagerResponse) -> str:
        """Remembers who asked and through which endpoint: the function's run calls back there as them."""
        host = self.headers.get("Host") or self.headers.get("host")
        credential = re.search(r"Credential=([^/,\s]+)/", self.headers.get("Authorization", ""))
        _CALLER.value = {"endpoint": f"http://{host}" if host else None,
                         "access_key": credential.group(1) if credential else None}
        try:
            return original_response(self)
        finally:
            _CALLER.value = None

    SecretsManagerBackend.rotate_secret = rotate_secret  # type: ignore[method-assign]
    SecretsManagerResponse.rotate_secret = response_rotate_secret  # type: ignore[method-assign]


SECRETS_PATCHES.append(secretsmanager_rotation_runs_the_function)


def secretsmanager_current_label_moves_the_default() -> None:
    """UpdateSecretVersionStage with AWSCURRENT: AWS attaches it without RemoveFromVersionId while no version has
    it (a secret's first value, made by rotation), and from then on GetSecretValue without a stage answers the
    version it moved to. moto 5.2.5 fails the first with IndexError (HTTP 500) and keeps answering the version
    that was current before the move. The patch attaches the label as AWS does and moves moto's default along."""
    from moto.secretsmanager.models import SecretsManagerBackend

    original = SecretsManagerBackend.update_secret_version_stage

    def update_secret_version_stage(self: SecretsManagerBackend, secret_id: str, version_stage: str,
                                    remove_from_version_id: str, move_to_version_id: str) -> tuple[str, str]:
        moves_current = version_stage == "AWSCURRENT" and bool(move_to_version_id)
        if moves_current and not remove_from_version_id and self._is_valid_identifier(secret_id):
            secret = self.secrets[secret_id]
            if move_to_version_id in secret.versions and not any(
                    "AWSCURRENT" in v["version_stages"] for v in secret.versions.values()):
                secret.versions[move_to_version_id]["version_stages"].append("AWSCURRENT")
                secret.set_default_version_id(move_to_version_id)
                return secret.arn, secret.name
        answer = original(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
        if moves_current:
            self.secrets[secret_id].set_default_version_id(move_to_version_id)
        return answer

    SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage  # type: ignore[method-assign]


SECRETS_PATCHES.append(secretsmanager_current_label_moves_the_default)
