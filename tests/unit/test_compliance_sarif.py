"""`python -m compliance.scan --sarif`: what the scan fails on, and only that, as SARIF 2.1.0 that GitHub code
scanning places on the scanned file's lines, with fingerprints that survive a re-synthesis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.sarif import FINGERPRINT, sarif_document, write_sarif
from compliance.scan import Acceptance, Finding, ScanResult, main, scan

CHECKOV = pytest.mark.slow  # runs checkov (5-10 s each, more on a loaded machine), as tests/terraform's scans do

INSECURE_STACK = {"resource": {
    "aws_s3_bucket": {"open": {"bucket": "open-bucket"}},
    "aws_security_group": {"ssh": {"ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp",
                                                "cidr_blocks": ["0.0.0.0/0"]}]}}}}


def insecure_output(root: Path) -> Path:
    """A synthesized-looking output folder with one stack that checkov fails (indented: lines matter)."""
    stack = root / "stacks" / "insecure"
    stack.mkdir(parents=True)
    stack.joinpath("cdk.tf.json").write_text(json.dumps(INSECURE_STACK, indent=2))
    return root


def results_by_rule(document: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for result in document["runs"][0]["results"]:
        found.setdefault(result["ruleId"], []).append(result)
    return found


@CHECKOV
def test_the_cli_writes_the_failing_findings_as_sarif_even_though_the_scan_fails(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    output = insecure_output(tmp_path / "out")
    code = main([str(output), "--sarif", "reports/checkov.sarif"])
    assert code == 1
    printed = capsys.readouterr().out
    failed = {line.split()[1] for line in printed.splitlines() if line.startswith("FAILED ")}
    document = json.loads((tmp_path / "reports" / "checkov.sarif").read_text())
    assert document["version"] == "2.1.0" and document["runs"][0]["tool"]["driver"]["name"] == "checkov"
    assert set(results_by_rule(document)) == failed and {"CKV_AWS_24", "CKV_AWS_21"} <= failed
    rules = [rule["id"] for rule in document["runs"][0]["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in document["runs"][0]["results"])
    assert list((tmp_path / "reports").iterdir()) == [tmp_path / "reports" / "checkov.sarif"]  # no staging left


@CHECKOV
def test_a_result_points_at_the_resource_lines_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    output = insecure_output(tmp_path / "cdktf.out")
    document = sarif_document(scan([output], acceptances=[]))
    ssh = results_by_rule(document)["CKV_AWS_24"][0]
    location = ssh["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "cdktf.out/stacks/insecure/cdk.tf.json"
    lines = (output / "stacks" / "insecure" / "cdk.tf.json").read_text().splitlines()
    region = location["region"]
    assert '"ssh"' in "\n".join(lines[region["startLine"] - 1:region["endLine"]])
    assert '"open"' not in "\n".join(lines[region["startLine"] - 1:region["endLine"]])


@CHECKOV
def test_accepted_findings_are_left_out(tmp_path):
    output = insecure_output(tmp_path)
    acceptance = Acceptance(check="CKV_AWS_21", resource="aws_s3_bucket.*", stacks="insecure",
                            reason="the test accepts versioning off for this bucket")
    result = scan([output], acceptances=[acceptance])
    assert [finding.check for finding, _ in result.accepted] == ["CKV_AWS_21"]
    rules = results_by_rule(sarif_document(result))
    assert "CKV_AWS_21" not in rules and "CKV_AWS_24" in rules


def test_fingerprints_are_per_finding_and_survive_moved_lines():
    def found(first_lines: tuple[int, int]) -> ScanResult:
        """The same check failing on two buckets, starting at the given lines."""
        return ScanResult(passed=10, failed=[
            Finding(check="CKV_A", resource=f"aws_s3_bucket.{name}", stack="shop-prod-data", name="n", path="x.json",
                    lines=(first, first + 3)) for name, first in zip("ab", first_lines, strict=True)])

    before, after = found((5, 9)), found((50, 90))
    prints = [[r["partialFingerprints"][FINGERPRINT] for r in sarif_document(s)["runs"][0]["results"]]
              for s in (before, after)]
    assert prints[0] == prints[1] and len(set(prints[0])) == 2


def test_a_scan_that_read_nothing_is_not_a_clean_sarif(tmp_path):
    write_sarif(ScanResult(passed=0, parsing_errors=["stacks/broken/cdk.tf.json"]), tmp_path / "checkov.sarif")
    invocation = json.loads((tmp_path / "checkov.sarif").read_text())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    messages = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert any("stacks/broken/cdk.tf.json" in m for m in messages) and any("passed no checks" in m for m in messages)
    clean = sarif_document(ScanResult(passed=12))["runs"][0]
    assert clean["results"] == [] and clean["invocations"][0]["executionSuccessful"] is True
