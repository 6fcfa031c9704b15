"""What Python knows of the constructs it made, so reading it needs no call into the jsii kernel.

The one-pass Name tags read the path and the tags of every taggable resource (~3,500 kernel calls in
`main.py --all`, a fifth of its calls). Both are known on this side:
- A path never changes once a construct exists: its scope's path, '/', and its id (constructs' Node; the
  root's path is its id, '' for a cdktf App). Every construct made from Python is made through
  `jsii.create(class, object, [scope, id, ...])`, so the path is recorded there when the scope's path is
  known and the id is one constructs keeps as given (no '/' or newline, which it rewrites).
- A resource's tags are what its config gave (`tagsInput` returns the constructor's `config.tags`) until
  something sets `tags` or calls `resetTags`; from Python both go through `jsii.set` / `jsii.invoke`, which
  forget the recorded tags. The provider's and cdktf's own code never changes them.
Anything else (a construct made inside Node, a constructor taking other arguments, tags changed) is not
known: `path_of` says None, `tags_of` (False, None), and the caller asks the kernel as before.
"""

from __future__ import annotations

import weakref
from typing import Any

import jsii
from cdktf import App
from constructs import Construct

_REWRITTEN_ID_CHARACTERS = ("/", "\n")
_TAG_CHANGING_METHODS = frozenset({"resetTags"})
_paths: weakref.WeakKeyDictionary[Construct, str] = weakref.WeakKeyDictionary()
_tags: weakref.WeakKeyDictionary[Construct, Any] = weakref.WeakKeyDictionary()


def install() -> None:
    """Record from now on (constructs made before this are not known)."""
    if getattr(jsii.create, "__platform_known__", False):
        return
    stock_create, stock_set, stock_invoke = jsii.create, jsii.set, jsii.invoke

    def create(klass: type, obj: Any, args: list[Any] | None = None) -> Any:
        reference = stock_create(klass, obj, args)
        if isinstance(obj, Construct):
            _record(obj, args or [])
        return reference

    def set_property(obj: Any, property: str, value: Any) -> None:
        if property == "tags":
            _tags.pop(obj, None)
        stock_set(obj, property, value)

    def invoke(obj: Any, method: str, args: list[Any] | None = None) -> Any:
        if method in _TAG_CHANGING_METHODS:
            _tags.pop(obj, None)
        return stock_invoke(obj, method, args)

    for name, function in (("create", create), ("set", set_property), ("invoke", invoke)):
        function.__platform_known__ = True  # type: ignore[attr-defined]
        setattr(jsii, name, function)


def path_of(construct: Construct) -> str | None:
    """The construct's node.path if it was recorded, else None."""
    return _paths.get(construct)


def tags_of(construct: Construct) -> tuple[bool, Any]:
    """(True, the resource's `tags_input`: a mapping or None) if it is known, else (False, None)."""
    if construct in _tags:
        return True, _tags[construct]
    return False, None


def _record(construct: Construct, args: list[Any]) -> None:
    if isinstance(construct, App):
        _paths[construct] = ""
        return
    if len(args) < 2 or not isinstance(args[0], Construct) or not isinstance(args[1], str):
        return
    scope_path, construct_id = _paths.get(args[0]), args[1]
    if scope_path is None or not construct_id or any(c in construct_id for c in _REWRITTEN_ID_CHARACTERS):
        return
    _paths[construct] = f"{scope_path}/{construct_id}" if scope_path else construct_id
    config = getattr(args[2], "_values", None) if len(args) > 2 else None
    if isinstance(config, dict) and hasattr(type(construct), "tags_input"):
        tags = config.get("tags")
        _tags[construct] = dict(tags) if isinstance(tags, dict) else tags  # a copy: the caller's dict may change
