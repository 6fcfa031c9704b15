"""One blueprint environment on a moto server, for the emulator scenarios that apply some stacks for
real and seed the outputs of the others into the S3 remote state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import boto3

from configuration import BlueprintConfig
from synth.app import synthesize
from tests.harness.moto_server import MotoServer
from tests.harness.terraform import TerraformWorkdir, seeded_state_file
from tests.support import platform_manifest, stack_key
from tests.workdirs import emulator_workdir, seeded_outputs


def bucket_location(region: str) -> dict:
    """CreateBucket's location argument (us-east-1 takes none)."""
    return {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}


def outputs_of(workdir: TerraformWorkdir) -> dict[str, object]:
    return {name: value["value"] for name, value in workdir.output().items()}


@dataclass
class EmulatedEnvironment:
    config: BlueprintConfig
    root: Path
    moto: MotoServer

    @property
    def outdir(self) -> Path:
        return self.root / "out"

    def client(self, service: str, region: str | None = None) -> object:
        return boto3.client(service, region_name=region or self.config.regions.primary,
                            endpoint_url=self.moto.endpoint_url, aws_access_key_id="testing",
                            aws_secret_access_key="testing")

    def workdir(self, stack: str) -> TerraformWorkdir:
        """The stack `stack` ('data', 'dr-data', ...) wired to the moto server."""
        return emulator_workdir(self.outdir, f"{self.config.name_prefix}-{stack}", self.root / stack,
                                self.moto.endpoint_url)

    def synthesize(self) -> None:
        """Synthesize the environment and create its state bucket (what the state stack's test builds)."""
        synthesize(self.config, self.outdir)
        region = self.config.state_region
        self.client("s3", region).create_bucket(Bucket=self.config.state_bucket, **bucket_location(region))

    @property
    def contracts(self) -> dict[str, dict]:
        """stack key ('data', 'dr-data', ...) -> its contract from platform.json (outputs, consumed stacks,
        state key)."""
        manifest = platform_manifest(self.outdir)
        return {stack_key(manifest, s): s for s in manifest["stacks"]}

    def producers_of(self, stack: str) -> list[str]:
        contracts = self.contracts
        names = contracts[stack]["consumes"]
        return [key for key, s in contracts.items() if s["name"] in names]

    def seed(self, stack: str, realistic: Mapping[str, object] | None = None) -> None:
        """Write placeholder outputs of `stack` into its remote state, `realistic` values where given."""
        contract = self.contracts[stack]
        outputs = seeded_outputs(contract["outputs"], contract["name"])
        outputs.update({k: v for k, v in (realistic or {}).items() if k in outputs})
        state = seeded_state_file(self.root / "seeded" / f"{stack}.tfstate", outputs)
        key = contract["state_key"] or f"{self.config.blueprint}/{self.config.environment}/{stack}.tfstate"
        self.client("s3", self.config.state_region).put_object(Bucket=self.config.state_bucket, Key=key,
                                                               Body=state.read_bytes())
