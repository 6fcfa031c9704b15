"""Gives every taggable resource a Name tag derived from its construct path, unless it set one.

Environment, Owner, CostCenter and Project come from the provider's default_tags; Name differs per
resource, so an aspect fills it in: no resource can be forgotten, and explicit names still win.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

import jsii
from cdktf import IAspect, TerraformResource, Token
from constructs import IConstruct


class KnownFacts(Protocol):
    """What a caller may know of a resource without asking the jsii kernel."""

    def path_of(self, node: IConstruct) -> str | None:
        """node.path, or None if not known."""

    def tags_of(self, node: IConstruct) -> tuple[bool, Mapping[str, str] | None]:
        """(True, tags_input) if known, else (False, None)."""


@jsii.implements(IAspect)
class NameTags:
    def __init__(self, prefix: str) -> None:
        self._prefix = prefix

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformResource) or not hasattr(type(node), "tags_input"):
            return
        self._tag(node, None)

    def tag_all(self, scope: IConstruct, known: KnownFacts | None = None) -> None:
        """The aspect's work in one pass over `scope` before synth, for a caller that does not register it
        (synth.app): one jsii call lists the constructs instead of one callback per construct. `known` may
        answer a resource's path and tags without asking the kernel (synth.known_constructs)."""
        for node in scope.node.find_all():
            if isinstance(node, TerraformResource) and hasattr(type(node), "tags_input"):
                self._tag(node, known)

    def _tag(self, node: IConstruct, known: KnownFacts | None) -> None:
        tags_known, current = known.tags_of(node) if known else (False, None)
        if not tags_known:
            current = node.tags_input
        if current is not None and (_unresolved(current) or "Name" in current):
            return
        node.tags = {**(current or {}), "Name": self.name_for(node, known.path_of(node) if known else None)}

    def name_for(self, node: IConstruct, path: str | None = None) -> str:
        """'<project>-<env>' plus the construct path below the stack, in lower-case words."""
        if path is None:
            path = node.to_string()  # the construct's node.path, in one jsii call instead of two
        parts = [p for p in path.split("/")[1:] if p not in ("Default", "Resource")]
        words = [w for w in re.split(r"[^a-z0-9]+", "-".join(parts).lower()) if w]
        unique = [w for i, w in enumerate(words) if i == 0 or w != words[i - 1]]  # flow-log-key-key -> flow-log-key
        return "-".join([self._prefix, *unique])[:255]


_MAP_TOKEN_MARKER = "&{TfToken["


def _unresolved(tags: object) -> bool:
    """Token.is_unresolved without a kernel call for the usual case: a map read back from a resource is
    unresolved only if one of its keys holds a map token (cdktf's containsMapToken), which needs the marker."""
    if isinstance(tags, Mapping) and not any(_MAP_TOKEN_MARKER in str(key) for key in tags):
        return False
    return bool(Token.is_unresolved(tags))
