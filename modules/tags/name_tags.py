"""Gives every taggable resource a Name tag derived from its construct path, unless it set one.

Environment, Owner, CostCenter and Project come from the provider's default_tags; Name differs per
resource, so an aspect fills it in: no resource can be forgotten, and explicit names still win.
"""

from __future__ import annotations

import re

import jsii
from cdktf import IAspect, TerraformResource, Token
from constructs import IConstruct


@jsii.implements(IAspect)
class NameTags:
    def __init__(self, prefix: str) -> None:
        self._prefix = prefix

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformResource) or not hasattr(type(node), "tags_input"):
            return
        current = node.tags_input
        if current is not None and (Token.is_unresolved(current) or "Name" in current):
            return
        node.tags = {**(current or {}), "Name": self.name_for(node)}

    def tag_all(self, scope: IConstruct) -> None:
        """The aspect's work in one pass over `scope` before synth, for a caller that does not register it
        (synth.app): one jsii call lists the constructs instead of one callback per construct."""
        for node in scope.node.find_all():
            self.visit(node)

    def name_for(self, node: IConstruct) -> str:
        """'<project>-<env>' plus the construct path below the stack, in lower-case words."""
        path = node.to_string()  # the construct's node.path, in one jsii call instead of two
        parts = [p for p in path.split("/")[1:] if p not in ("Default", "Resource")]
        words = [w for w in re.split(r"[^a-z0-9]+", "-".join(parts).lower()) if w]
        unique = [w for i, w in enumerate(words) if i == 0 or w != words[i - 1]]  # flow-log-key-key -> flow-log-key
        return "-".join([self._prefix, *unique])[:255]
