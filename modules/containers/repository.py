"""An ECR repository per service: tags are immutable (a deployed tag always means the same image),
every push is scanned, images are encrypted with the stack's key and only the last N are kept."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)
from constructs import Construct

from modules.tokens import json_text, number_text


@dataclass(frozen=True)
class ImageRepositoryProps:
    name: str
    """Repository name, e.g. 'saas-prod/backend'."""
    encryption_key_arn: str
    keep_images: int = 20
    """Older images are expired; a rollback can reach any of the last N."""

    def __post_init__(self) -> None:
        """Checks literal values only: a Terraform variable (a generated module's) is checked by its validation."""
        if not Token.is_unresolved(self.name) and not re.fullmatch(
                r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*", self.name):
            raise ValueError(f"repository name {self.name!r}; fix: lower-case letters, digits, . _ - and /")
        if not Token.is_unresolved(self.keep_images) and not 1 <= self.keep_images <= 10000:
            raise ValueError(f"repository {self.name!r}: keep_images {self.keep_images}; fix: 1-10000")


class ImageRepository(Construct):
    def __init__(self, scope: Construct, id: str, props: ImageRepositoryProps) -> None:
        super().__init__(scope, id)
        self.repository = EcrRepository(
            self, "repository", name=props.name, image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=EcrRepositoryImageScanningConfiguration(scan_on_push=True),
            encryption_configuration=[EcrRepositoryEncryptionConfiguration(
                encryption_type="KMS", kms_key=props.encryption_key_arn)])
        EcrLifecyclePolicy(self, "lifecycle", repository=self.repository.name, policy=json_text({"rules": [{
            "rulePriority": 1, "description": f"Keep the last {number_text(props.keep_images)} images",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": props.keep_images},
            "action": {"type": "expire"}}]}, separators=(",", ":")))

    @property
    def url(self) -> str:
        return self.repository.repository_url

    @property
    def arn(self) -> str:
        return self.repository.arn
