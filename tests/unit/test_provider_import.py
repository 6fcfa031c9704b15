"""Layer 1: the lazy provider import is active, produces the stock JSON, and falls back safely."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from synth import provider_import

ROOT = Path(__file__).resolve().parents[2]


def test_this_process_imports_only_the_bindings_it_uses():
    import modules.network.network  # noqa: F401  (a real construct module, as a synth loads it)

    package = sys.modules[provider_import.PACKAGE]
    assert getattr(package, "__platform_lazy__", False) is True
    loaded = [m for m in sys.modules if m.startswith(f"{provider_import.PACKAGE}.")]
    # Every blueprint in this process uses ~150 resource types (two modules each); the stock import loads 2,135.
    assert 5 < len(loaded) < 600
    assert package.vpc.Vpc.TF_RESOURCE_TYPE == "aws_vpc"  # attribute access imports on demand
    with pytest.raises(AttributeError):
        package.no_such_resource  # noqa: B018


def test_a_changed_package_layout_is_detected(tmp_path):
    init = tmp_path / "__init__.py"
    init.write_text("from . import vpc\nclass Helper:\n    pass\n")
    with pytest.raises(provider_import.LayoutChanged, match="defines ClassDef"):
        provider_import.verify_init_only_imports(init)
    init.write_text("from . import vpc\ndef helper():\n    return 1\n")
    with pytest.raises(provider_import.LayoutChanged, match="helper"):
        provider_import.verify_init_only_imports(init)


def test_the_installed_package_passes_the_layout_check():
    spec = provider_import._checked_spec()
    assert spec.origin.endswith("cdktf_cdktf_provider_aws/__init__.py")


@pytest.mark.slow
def test_fallback_to_the_stock_import_warns_and_emits_identical_json(notebookly_dev, tmp_path):
    """Pretend the layout changed: the stock import (all submodules) must run and write the same JSON."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from synth import provider_import
        provider_import.EXPECTED_VERSION = "0.0.0-layout-changed"
        import main
        code = main.main(["--out", {str(tmp_path / "stock")!r}])
        loaded = [m for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.")]
        print("submodules", len(loaded))
        sys.exit(code)
    """)
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr
    assert "fast provider import disabled" in completed.stderr and "0.0.0-layout-changed" in completed.stderr
    assert int(completed.stdout.split("submodules")[1].split()[0]) > 2000
    stock_files = sorted((tmp_path / "stock" / "stacks").rglob("cdk.tf.json"))
    lazy_files = sorted((notebookly_dev / "stacks").rglob("cdk.tf.json"))
    assert len(stock_files) == len(lazy_files) >= 5  # notebookly dev: state, network, data, compute, ops
    for stock_file in stock_files:
        lazy_file = notebookly_dev / "stacks" / stock_file.parent.name / "cdk.tf.json"
        assert stock_file.read_bytes() == lazy_file.read_bytes()
