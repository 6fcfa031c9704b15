"""stage_function: the sales report code plus its pure-Python drivers, reproducible and importable offline."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from lambda_src import packaging
from lambda_src.packaging import FIXED_MTIME, SALES_REPORT_DISTRIBUTIONS, PackagingError, stage_function

SOURCE = Path(__file__).resolve().parents[2] / "lambda_src" / "sales_report"


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """relative path -> (sha256 or 'dir', mode, mtime) for every entry under root."""
    result = {}
    for path in sorted(root.rglob("*")):
        stat = path.stat()
        digest = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
        result[path.relative_to(root).as_posix()] = (digest, stat.st_mode & 0o777, int(stat.st_mtime))
    return result


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    (SOURCE / "__pycache__").mkdir(exist_ok=True)  # as after any test run: must not be staged
    return stage_function(SOURCE, SALES_REPORT_DISTRIBUTIONS, tmp_path_factory.mktemp("stage") / "sales_report_zip")


def test_contains_code_and_dependency_closure(staged: Path) -> None:
    top = {path.name for path in staged.iterdir()}
    assert {"sales_report", "pg8000", "pymysql", "scramp", "asn1crypto", "dateutil", "six.py"} <= top
    for path in ("sales_report/extractor.py", "sales_report/report.py", "sales_report/__init__.py",
                 "sales_report/schema/postgres.sql", "sales_report/schema/mysql.sql", "pg8000/native.py"):  # fmt: skip
        assert (staged / path).is_file(), path
    assert (staged / f"pg8000-{metadata.version('pg8000')}.dist-info" / "METADATA").is_file()
    assert not {"boto3", "botocore", "s3transfer"} & top  # the Lambda runtime provides the AWS SDK
    assert not any(name.startswith(("cryptography", "nacl")) for name in top)  # PyMySQL extras are optional


def test_no_bytecode_or_install_noise(staged: Path) -> None:
    names = [path for path in staged.rglob("*")]
    assert not [path for path in names if path.name == "__pycache__" or path.suffix == ".pyc"]
    assert not [path for path in names if path.name in {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}]


def test_restaging_is_identical_and_deterministic(staged: Path, tmp_path: Path) -> None:
    before = snapshot(staged)
    stage_function(SOURCE, SALES_REPORT_DISTRIBUTIONS, staged)  # same folder again
    assert snapshot(staged) == before
    elsewhere = stage_function(SOURCE, list(reversed(SALES_REPORT_DISTRIBUTIONS)), tmp_path / "other")
    assert snapshot(elsewhere) == before  # order of the names and the target folder do not matter
    assert {mtime for _, _, mtime in before.values()} == {FIXED_MTIME}
    assert {mode for digest, mode, _ in before.values() if digest != "dir"} == {0o644}


def test_staged_folder_is_importable_without_site_packages(staged: Path) -> None:
    """What Lambda sees: only the zip on sys.path (-S drops site-packages, -B writes no bytecode)."""
    code = (
        "import sys; sys.path[:0] = [sys.argv[1]]\n"
        "import sales_report.extractor, sales_report.report, pg8000.dbapi, pymysql, scramp, dateutil\n"
        "print(pg8000.__file__); print(pymysql.__file__)"
    )
    result = subprocess.run([sys.executable, "-S", "-B", "-c", code, str(staged)],
                            capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert all(Path(line).is_relative_to(staged) for line in result.stdout.split())


def test_stale_files_are_removed_on_restaging(tmp_path: Path) -> None:
    source = tmp_path / "fn"
    source.mkdir()
    (source / "handler.py").write_text("def handler(event, context):\n    return 1\n")
    (source / "old.py").write_text("")
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0")
    (source / "stray.pyc").write_bytes(b"\0")
    target = stage_function(source, [], tmp_path / "stage")
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        ".lambda-staging",
        "fn/handler.py",
        "fn/old.py",
    ]
    (source / "old.py").unlink()
    stage_function(source, [], target)
    assert not (target / "fn" / "old.py").exists()


def test_missing_distribution_names_it_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(PackagingError) as raised:
        stage_function(SOURCE, ["pg8000", "no-such-driver-xyz"], tmp_path / "stage")
    assert "'no-such-driver-xyz'" in str(raised.value)
    assert "pip install -e '.[test]'" in str(raised.value)
    assert not (tmp_path / "stage").exists()  # nothing half-staged


def test_missing_transitive_requirement_names_who_needs_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = metadata.distribution

    def without_scramp(name: str) -> metadata.Distribution:
        if name.lower() == "scramp":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(packaging.metadata, "distribution", without_scramp)
    with pytest.raises(PackagingError, match=r"'scramp' \(required by pg8000\)"):
        stage_function(SOURCE, ["pg8000"], tmp_path / "stage")


def test_refuses_runtime_sdk_and_foreign_folders(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="provided by the Lambda Python runtime"):
        stage_function(SOURCE, ["boto3"], tmp_path / "stage")
    foreign = tmp_path / "precious"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    with pytest.raises(PackagingError, match="refusing to delete"):
        stage_function(SOURCE, [], foreign)
    assert (foreign / "keep.txt").read_text() == "mine"
    with pytest.raises(PackagingError, match="overlaps"):
        stage_function(SOURCE, [], SOURCE / "build")
