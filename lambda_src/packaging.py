"""Stage a Lambda function's code plus its pure-Python dependencies into a folder, offline and reproducibly.

``TerraformAsset(path=staged, type=AssetType.ARCHIVE)`` then zips that folder. The dependencies are copied
from the *current* environment (``importlib.metadata`` and each distribution's RECORD), so synth never needs
network access; they must be installed there first (``pip install -e '.[test]'``).

Layout of the staged folder: the source folder as a package (``<staging>/sales_report/...``, so the handler
is ``sales_report.extractor.handler``) next to the dependencies' top-level modules, as in site-packages.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path, PurePosixPath

SALES_REPORT_DISTRIBUTIONS = ("pg8000", "PyMySQL")
DR_FAILOVER_DISTRIBUTIONS: tuple[str, ...] = ()  # the orchestrator needs only boto3, which the runtime provides
# The Lambda Python runtime ships the AWS SDK; a staged copy would only shadow it and bloat the zip.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore"})
INSTALL_HINT = "pip install -e '.[test]'"
MARKER_FILE = ".lambda-staging"
MARKER_TEXT = "Staged by lambda_src.packaging.stage_function; the whole folder is rebuilt on every staging.\n"
# 1980-01-01T00:00:00Z, the earliest time a zip entry can hold: staged files carry no build timestamp.
FIXED_MTIME = 315532800
# Per-install bookkeeping that differs between machines and installers; not needed at runtime.
_INSTALL_NOISE = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
_NATIVE_SUFFIXES = (".so", ".pyd", ".dylib", ".dll")
_NAME_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class PackagingError(RuntimeError):
    """The function cannot be staged (missing or non-pure-Python distribution, unsafe staging folder)."""


def _normalise(name: str) -> str:
    """PEP 503 name, so 'PyMySQL', 'pymysql' and 'python_dateutil' compare equal to their index names."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(dist: metadata.Distribution) -> list[str]:
    """Names of the distribution's unconditional requirements whose markers hold in this environment."""
    names = []
    for requirement in dist.requires or []:
        spec, _, marker = requirement.partition(";")
        if marker.strip():
            if "extra" in marker:  # optional extras (PyMySQL[rsa]) are not part of the closure
                continue
            try:
                from packaging.markers import Marker
            except ImportError as exc:
                raise PackagingError(
                    f"{dist.metadata['Name']} has an environment marker ({marker.strip()}) and evaluating it "
                    f"needs the 'packaging' distribution: {INSTALL_HINT}"
                ) from exc
            if not Marker(marker.strip()).evaluate():
                continue
        match = _NAME_RE.match(spec)
        if match:
            names.append(match.group(1))
    return names


def _distribution(name: str, required_by: str | None) -> metadata.Distribution:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError as exc:
        via = f" (required by {required_by})" if required_by else ""
        raise PackagingError(
            f"distribution {name!r}{via} is not installed in {sys.prefix}; the Lambda zip is built from the "
            f"local environment without network access. Fix: {INSTALL_HINT}"
        ) from exc


def resolve_closure(distributions: Iterable[str]) -> list[metadata.Distribution]:
    """The named distributions plus everything they require, minus the runtime-provided AWS SDK, by name."""
    found: dict[str, metadata.Distribution] = {}
    pending: list[tuple[str, str | None]] = []
    for name in distributions:
        if _normalise(name) in RUNTIME_PROVIDED:
            raise PackagingError(f"{name} is provided by the Lambda Python runtime; do not stage it")
        pending.append((name, None))
    while pending:
        name, required_by = pending.pop()
        key = _normalise(name)
        if key in found or key in RUNTIME_PROVIDED:
            continue
        dist = _distribution(name, required_by)
        found[key] = dist
        pending.extend((child, dist.metadata["Name"]) for child in _requirement_names(dist))
    return [found[key] for key in sorted(found)]


def _distribution_files(dist: metadata.Distribution) -> dict[PurePosixPath, Path]:
    """Relative path in the zip -> installed file, from RECORD, without bytecode, scripts or install noise."""
    name = dist.metadata["Name"]
    if dist.files is None:
        raise PackagingError(f"distribution {name!r} has no RECORD file list; reinstall it: {INSTALL_HINT}")
    files: dict[PurePosixPath, Path] = {}
    for entry in dist.files:
        relative = PurePosixPath(str(entry))
        if ".." in relative.parts or relative.is_absolute():
            continue  # console scripts and data installed outside site-packages
        if "__pycache__" in relative.parts or relative.suffix in (".pyc", ".pyo"):
            continue
        if relative.parent.name.endswith(".dist-info") and relative.name in _INSTALL_NOISE:
            continue
        if relative.name.endswith(_NATIVE_SUFFIXES):
            raise PackagingError(
                f"distribution {name!r} contains compiled code ({relative}); only pure-Python distributions "
                "can be staged for every Lambda runtime and architecture"
            )
        located = Path(str(dist.locate_file(entry)))
        if not located.is_file():
            raise PackagingError(f"distribution {name!r} lists {relative} but {located} is missing; reinstall it")
        files[relative] = located
    return files


def _source_files(source_dir: Path) -> dict[PurePosixPath, Path]:
    files: dict[PurePosixPath, Path] = {}
    for path in source_dir.rglob("*"):
        relative = path.relative_to(source_dir)
        if "__pycache__" in relative.parts or path.suffix in (".pyc", ".pyo") or not path.is_file():
            continue
        files[PurePosixPath(source_dir.name, *relative.parts)] = path
    return files


def _prepare_staging_dir(staging_dir: Path, source_dir: Path) -> None:
    """Empty the staging folder, but only if it is empty already or a previous staging (marker file)."""
    resolved = staging_dir.resolve()
    if resolved == source_dir or source_dir in resolved.parents or resolved in source_dir.parents:
        raise PackagingError(f"staging folder {staging_dir} overlaps the source folder {source_dir}")
    if staging_dir.exists():
        if not staging_dir.is_dir():
            raise PackagingError(f"staging path {staging_dir} exists and is not a folder")
        if any(staging_dir.iterdir()) and not (staging_dir / MARKER_FILE).is_file():
            raise PackagingError(
                f"staging folder {staging_dir} is not empty and was not created by stage_function; "
                "refusing to delete it"
            )
        shutil.rmtree(staging_dir)
    staging_dir.mkdir(parents=True)


def _write_tree(staging_dir: Path, files: dict[PurePosixPath, Path]) -> None:
    """Copy in sorted order with normalised modes and a fixed mtime: the same input gives the same folder."""
    for relative in sorted(files):
        target = staging_dir.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(files[relative], target)  # content only: no source mode bits or timestamps
        os.chmod(target, 0o644)
    (staging_dir / MARKER_FILE).write_text(MARKER_TEXT, encoding="utf-8")
    for path in sorted(staging_dir.rglob("*"), reverse=True):  # children before their folder
        if path.is_dir():
            os.chmod(path, 0o755)
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    os.chmod(staging_dir, 0o755)
    os.utime(staging_dir, (FIXED_MTIME, FIXED_MTIME))


def stage_function(source_dir: Path, distributions: Sequence[str], staging_dir: Path) -> Path:
    """Rebuild ``staging_dir`` with ``source_dir`` (as a package) and the distributions' installed files."""
    source_dir = Path(source_dir).resolve()
    staging_dir = Path(staging_dir)
    if not source_dir.is_dir():
        raise PackagingError(f"function source folder {source_dir} does not exist")
    files = _source_files(source_dir)
    owners = {relative: f"source folder {source_dir}" for relative in files}
    for dist in resolve_closure(distributions):
        name = dist.metadata["Name"]
        for relative, path in _distribution_files(dist).items():
            if relative in files and files[relative].read_bytes() != path.read_bytes():
                raise PackagingError(f"{relative} is provided by both {owners[relative]} and {name!r}")
            files[relative] = path
            owners.setdefault(relative, f"distribution {name!r}")
    _prepare_staging_dir(staging_dir, source_dir)
    _write_tree(staging_dir, files)
    return staging_dir


@functools.cache
def staged_once(source_dir: Path, distributions: tuple[str, ...]) -> Path:
    """``stage_function`` into a private temporary folder, once per process and function (TerraformAsset
    zips it during synth, so every stack of a run shares one staging); the folder goes when the process ends."""
    folder = Path(tempfile.mkdtemp(prefix=f"{Path(source_dir).name.replace('_', '-')}-"))
    atexit.register(shutil.rmtree, folder, True)
    return stage_function(source_dir, distributions, folder / "code")
