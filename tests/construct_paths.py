"""Find synthesized Terraform elements by construct path, for the construct-level unit tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cdktf import TerraformDataSource, TerraformResource, TerraformStack
from cdktf import Testing as CdktfTesting

PATHS = "__paths__"
"""Key of the path -> logical id mapping that synth_with_paths adds to the document."""


def synth_with_paths(stack: TerraformStack, folder: Path) -> dict[str, Any]:
    """Synthesize `stack`, write it as `folder/cdk.tf.json` and return the parsed document.

    Testing.synth drops construct paths, so the document gains a `__paths__` entry mapping each resource's and
    data source's construct path to its logical id (read it through ConstructPaths)."""
    text = CdktfTesting.synth(stack)
    (folder / "cdk.tf.json").write_text(text)
    document = json.loads(text)
    document[PATHS] = {c.node.path: c.friendly_unique_id for c in stack.node.find_all()
                       if isinstance(c, (TerraformResource, TerraformDataSource))}
    return document


class ConstructPaths:
    """Reads a synth_with_paths document by construct path below the stack named `stack_name`."""

    def __init__(self, document: dict[str, Any], stack_name: str) -> None:
        self.document = document
        self.stack_name = stack_name

    def logical_at(self, resource_type: str, path: str, kind: str = "resource") -> str:
        """Logical id of the element whose construct path is `<stack name>/<path>`; `kind` is "resource" or
        "data"."""
        logical = self.document[PATHS][f"{self.stack_name}/{path}"]
        assert logical in self.document[kind][resource_type], f"{path} is not a {resource_type}"
        return logical

    def at(self, resource_type: str, path: str, kind: str = "resource") -> dict[str, Any]:
        """The synthesized configuration of the element at `path`."""
        return self.document[kind][resource_type][self.logical_at(resource_type, path, kind)]

    def ref(self, resource_type: str, path: str, attribute: str = "id", kind: str = "resource") -> str:
        """The `${type.logical.attribute}` reference to the element at `path` (`${data.…}` for a data source)."""
        prefix = "data." if kind == "data" else ""
        return "${%s%s.%s.%s}" % (prefix, resource_type, self.logical_at(resource_type, path, kind), attribute)
