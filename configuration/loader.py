"""Finds blueprints, merges an environment file over what it `extends`, and validates the result.

A blueprint is a folder of data under blueprints/: `_base.yaml` holds what every environment
shares and `<env>.yaml` (or .toml) the overrides, naming its parent with `extends`. A user's own
file works the same way: `extends: notebookly/prod` (a blueprint environment) or a relative path.
"""

from __future__ import annotations

import difflib
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from configuration.errors import ConfigError
from configuration.schema import BlueprintConfig

BLUEPRINTS_DIR = Path(__file__).resolve().parent.parent / "blueprints"
SUFFIXES = (".yaml", ".yml", ".toml")
DEFAULT_BLUEPRINT = "notebookly"
DEFAULT_ENVIRONMENT = "dev"
# safe_load's loader, in C when PyYAML has libyaml (same results, ~10x faster; every synth reads these files).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class BlueprintInfo:
    name: str
    description: str
    environments: tuple[str, ...]


def list_blueprints(root: Path = BLUEPRINTS_DIR) -> list[BlueprintInfo]:
    """Every blueprint folder with its environments (files not starting with '_')."""
    infos = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        envs = tuple(sorted(f.stem for f in folder.iterdir() if f.suffix in SUFFIXES and not f.stem.startswith("_")))
        base = _environment_file(folder, "_base")
        description = str(_read(base).get("description", "")) if base else ""
        infos.append(BlueprintInfo(folder.name, description, envs))
    return infos


def load(blueprint: str = DEFAULT_BLUEPRINT, environment: str = DEFAULT_ENVIRONMENT,
         config_file: Path | None = None, root: Path = BLUEPRINTS_DIR) -> BlueprintConfig:
    """The validated configuration: a user's file if given, else the blueprint's environment file."""
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            example = f"blueprints/{blueprint}/{environment}.yaml"
            raise ConfigError(str(path), [f"config file {str(path)!r} does not exist; fix: pass the path of a "
                                          f"YAML or TOML file, e.g. a copy of {example}"])
    else:
        path = _blueprint_environment(blueprint, environment, root)
    raw = _resolve(path, root, chain=())
    config = validate(raw, source=str(path))
    if config_file is None and (config.blueprint, config.environment) != (blueprint, environment):
        raise ConfigError(str(path), [f"file declares blueprint {config.blueprint!r} environment "
                                      f"{config.environment!r} but lives at {blueprint}/{environment}; "
                                      "fix: make 'blueprint' match the folder and 'environment' the file name"])
    return config


def validate(raw: dict[str, Any], source: str) -> BlueprintConfig:
    """Validate a merged mapping; every problem becomes one line naming key, value and fix."""
    try:
        return BlueprintConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(source, [_describe(e, raw) for e in error.errors()]) from None


def _blueprint_environment(blueprint: str, environment: str, root: Path) -> Path:
    folder = root / blueprint
    if not folder.is_dir():
        names = [b.name for b in list_blueprints(root)]  # only here: it parses every blueprint's _base file
        raise ConfigError(str(root), [f"blueprint {blueprint!r} does not exist; fix: use one of {names} "
                                      "(python main.py --list)" + _suggest(blueprint, names)])
    path = _environment_file(folder, environment)
    if path is None:
        envs = next(b.environments for b in list_blueprints(root) if b.name == blueprint)
        raise ConfigError(str(folder), [f"blueprint {blueprint!r} has no environment {environment!r}; "
                                        f"fix: use one of {list(envs)}" + _suggest(environment, list(envs))])
    return path


def _environment_file(folder: Path, stem: str) -> Path | None:
    return next((folder / f"{stem}{s}" for s in SUFFIXES if (folder / f"{stem}{s}").is_file()), None)


def _resolve(path: Path, root: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """The file's mapping merged over its `extends` chain (parents first)."""
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ConfigError(str(path), [f"'extends' forms a cycle: {cycle}; fix: remove one of the links"])
    data = _read(path)
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data
    if not isinstance(parent_ref, str):
        raise ConfigError(str(path), [f"extends = {parent_ref!r}; fix: name a blueprint environment such as "
                                      "'notebookly/prod' or a relative file path"])
    parent = _parent_path(parent_ref, path, root)
    return deep_merge(_resolve(parent, root, (*chain, path)), data)


def _parent_path(ref: str, child: Path, root: Path) -> Path:
    relative = (child.parent / ref)
    if relative.is_file():
        return relative
    parts = ref.split("/")
    if len(parts) == 2 and _environment_file(root / parts[0], parts[1]) is not None:
        return _environment_file(root / parts[0], parts[1])  # type: ignore[return-value]
    raise ConfigError(str(child), [f"extends = {ref!r} names neither a file next to {child.name} nor a "
                                   "blueprint environment; fix: use e.g. 'notebookly/prod' or '_base.yaml'"])


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.load(text, Loader=_YAML_LOADER)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), [f"cannot parse {path.name}: {error}; fix: correct the syntax"]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(str(path), [f"{path.name} holds a {type(data).__name__}, not a mapping of keys; "
                                      "fix: write 'key: value' lines at the top level"])
    return data


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else (lists included) in `override` replaces `base`."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _describe(error: dict[str, Any], raw: dict[str, Any]) -> str:
    location = ".".join(str(part) for part in error["loc"]) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        parent, key = error["loc"][:-1], str(error["loc"][-1])
        allowed = _allowed_keys(parent)
        return (f"{location}: unknown key {key!r}; fix: remove it or use one of {allowed}"
                + _suggest(key, allowed))
    if kind == "missing":
        return f"{location}: required key is missing; fix: add it ({_field_help(error['loc'])})"
    message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("value_error", "assertion_error"):
        return f"{location}: {message}"
    return f"{location} = {error.get('input')!r}: {message}; fix: {_field_help(error['loc'])}"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model at a location of the document, through optional sections (`ops.sales_report` is
    `SalesReport | None`) and dict entries (`data.databases.orders` is a `Database`)."""
    model: type[BaseModel] | None = BlueprintConfig
    entries_of: type[BaseModel] | None = None  # a dict of models: the next part names an entry
    for part in loc:
        if entries_of is not None:
            model, entries_of = entries_of, None
            continue
        field = model.model_fields.get(str(part)) if model else None
        if field is None:
            return None
        model = _model_in(field.annotation)
        if model is None and typing.get_origin(field.annotation) is dict:
            entries_of = _model_in(typing.get_args(field.annotation)[1])
    return None if entries_of is not None else model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class of `Model`, `Model | None` or `Optional[Model]`, else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    models = [a for a in typing.get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
    return models[0] if len(models) == 1 else None


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model = _model_at(loc)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _field_help(loc: tuple[Any, ...]) -> str:
    model = _model_at(loc[:-1])
    field = model.model_fields.get(str(loc[-1])) if model else None
    return (field.description if field and field.description else "see blueprints/notebookly/_base.yaml")


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
