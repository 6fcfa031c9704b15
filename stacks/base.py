"""The pattern every deployable stack follows.

- One AWS provider in the primary region, pinned to the configured account, tagging every resource
  with Project/Environment/Owner/CostCenter (default_tags) and a Name (the NameTags aspect).
- Remote state in the S3 state bucket with native S3 locking, one key per blueprint/environment/stack.
- Named outputs (`export`) form the stack's public contract; a consumer reads them with
  `remote_state(ProducerStack)`, a `terraform_remote_state` that `terraform plan` resolves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from cdktf import Aspects, DataTerraformRemoteStateS3, LocalBackend, S3Backend, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from configuration import BlueprintConfig
from modules.tags import NameTags

OutputKind = Literal["string", "list", "map"]
# App context set by synth.app, which applies the Name tags in one pass (NameTags.tag_all) before synth:
# the aspect would cost one jsii callback per construct (~6,000 in `main.py --all`).
NAME_TAGS_BY_SYNTH = "platform:nameTagsBySynth"


@dataclass
class StackContract:
    """What a stack publishes and consumes: written to platform.json for tooling and tests."""

    name: str
    layer: str
    backend: str
    state_key: str | None
    site: str = "primary"
    """'primary', or 'standby' for the stacks in the DR region (a layer appears once per site)."""
    outputs: dict[str, OutputKind] = field(default_factory=dict)
    consumes: list[str] = field(default_factory=list)


class PlatformStack(TerraformStack):
    layer: ClassVar[str]
    """Short stack role ('network', 'compute', ...): part of the stack name and of its state key."""

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        name = self.stack_name(config)
        super().__init__(scope, name)
        self.config = config
        self.partition = partition_of(config.regions.primary)
        self.provider = self.aws_provider("aws", self.region(config))
        backend = self.configure_backend()
        self.contract = StackContract(name=name, layer=self.layer, backend=backend,
                                      state_key=self.state_key(config) if backend == "s3" else None,
                                      site=config.site)
        self.name_tags = NameTags(config.name_prefix)
        if not self.node.try_get_context(NAME_TAGS_BY_SYNTH):
            Aspects.of(self).add(self.name_tags)

    def aws_provider(self, construct_id: str, region: str, alias: str | None = None) -> AwsProvider:
        """An AWS provider pinned to the configured account and tagging like every other (one per region)."""
        return AwsProvider(self, construct_id, region=region, alias=alias,
                           allowed_account_ids=[self.config.account_id],
                           default_tags=[AwsProviderDefaultTags(tags=self.config.default_tags)])

    @classmethod
    def applies_to(cls, config: BlueprintConfig) -> bool:
        """Whether the environment needs this stack at all (a blueprint without compute has no compute stack)."""
        return True

    @classmethod
    def region(cls, config: BlueprintConfig) -> str:
        """Region of the stack's default provider: the primary region unless a stack says otherwise."""
        return config.regions.primary

    @classmethod
    def site_view(cls, config: BlueprintConfig) -> BlueprintConfig:
        """The configuration the stack is built from: the environment itself, or its standby() view for
        the stacks of the DR region."""
        return config

    @classmethod
    def stack_name(cls, config: BlueprintConfig) -> str:
        return f"{config.name_prefix}-{cls.layer}"

    @classmethod
    def stack_key(cls, config: BlueprintConfig) -> str:
        """The stack's name without the environment's prefix ('data', or 'dr-data' in the standby):
        unique within an environment, where a layer appears once per site."""
        return cls.stack_name(cls.site_view(config)).removeprefix(f"{config.name_prefix}-")

    @classmethod
    def state_key(cls, config: BlueprintConfig) -> str:
        """<blueprint>/<env>/<layer>.tfstate; the standby region's stacks under <blueprint>/<env>/standby/."""
        site = "" if config.site == "primary" else f"{config.site}/"
        return f"{config.blueprint}/{config.environment}/{site}{cls.layer}.tfstate"

    def configure_backend(self) -> str:
        """S3 with native locking (use_lockfile, Terraform >= 1.10). Returns the backend type."""
        S3Backend(self, bucket=self.config.state_bucket, key=self.state_key(self.config),
                  region=self.config.state_region, encrypt=True)
        # cdktf's S3Backend predates use_lockfile; DynamoDB locking is deprecated in Terraform 1.11.
        self.add_override("terraform.backend.s3.use_lockfile", True)
        return "s3"

    def use_local_backend(self, path: str) -> str:
        LocalBackend(self, path=path)
        return "local"

    def export(self, name: str, value: object, kind: OutputKind, description: str, sensitive: bool = False) -> None:
        """Publish a named output other stacks (and HCL users) may read; names are a public contract.
        sensitive: Terraform hides it in plans and `output` (remote-state readers still get it)."""
        TerraformOutput(self, name, value=value, description=description, sensitive=sensitive or None)
        self.contract.outputs[name] = kind

    def remote_state(self, producer: type[PlatformStack], site: BlueprintConfig | None = None
                     ) -> DataTerraformRemoteStateS3:
        """Read another stack's exports from its state in the S3 state bucket: the producer of this stack's
        own site, or of `site` (a standby stack reading a primary one passes the primary configuration).
        The data source's id is the producer's layer, prefixed with the site when it differs."""
        cfg = site or self.config
        self.contract.consumes.append(producer.stack_name(cfg))
        id = producer.layer if cfg.site == self.config.site else f"{cfg.site}-{producer.layer}"
        return DataTerraformRemoteStateS3(self, id, bucket=cfg.state_bucket, key=producer.state_key(cfg),
                                          region=cfg.state_region)


class StandbySite:
    """Mixin of the stacks of the DR region, listed first (class StandbyDataStack(StandbySite, PlatformStack)):
    built from config.standby(), and present only with a dr.strategy and whatever the stack it extends needs."""

    @classmethod
    def site_view(cls, config: BlueprintConfig) -> BlueprintConfig:
        return config.standby()

    @classmethod
    def applies_to(cls, config: BlueprintConfig) -> bool:
        return config.dr.enabled and bool(super().applies_to(config))  # type: ignore[misc]


def variable(name: str) -> str:
    """A store or workload name as it appears in output names (hyphens are not identifiers)."""
    return name.replace("-", "_")


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
