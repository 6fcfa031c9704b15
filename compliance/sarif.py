"""The compliance scan's verdict as SARIF 2.1.0, for GitHub code scanning (`python -m compliance.scan --sarif`).

Only the findings the scan fails on become results: an accepted finding already has its reason in
accepted_findings.yaml, and code scanning has no way to honour that file (every accepted finding would be an
open alert to dismiss by hand). Parse errors become error notifications, so a scan that read nothing does not
look clean. Locations are relative to the working directory, the repository root in CI, which is where code
scanning looks for files; the fingerprint is check, stack and resource, which stay the same when a
re-synthesis moves line numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from compliance.scan import ACCEPTED_FILE, Finding, ScanResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "checkovFinding/v1"
HOW_TO_RESOLVE = (f"Fix the resource in the construct that creates it, or accept the finding with a reason in "
                  f"compliance/{ACCEPTED_FILE.name} (one check, a resource pattern, a stack pattern).")


def sarif_document(result: ScanResult) -> dict:
    checks = sorted({f.check: f.name for f in result.failed}.items())
    rule_index = {check: index for index, (check, _) in enumerate(checks)}
    rules = [{"id": check, "shortDescription": {"text": name or check}, "help": {"text": HOW_TO_RESOLVE},
              "defaultConfiguration": {"level": "error"}, "properties": {"tags": ["security", "checkov"]}}
             for check, name in checks]
    notifications = [{"level": "error", "message": {"text": f"checkov could not parse {error}"}}
                     for error in result.parsing_errors]
    if result.passed == 0:
        notifications.append({"level": "error", "message": {"text": "checkov passed no checks: it parsed nothing"}})
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "checkov", "version": result.checkov_version or "unknown",
                                "informationUri": "https://www.checkov.io/", "rules": rules}},
            "invocations": [{"executionSuccessful": not notifications,
                             "toolExecutionNotifications": notifications}],
            "results": [_result(finding, rule_index[finding.check]) for finding in result.failed],
        }],
    }


def write_sarif(result: ScanResult, path: Path) -> None:
    """Write the document whole or not at all (a half-written file would fail the upload confusingly)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(sarif_document(result), file, indent=2)
            file.write("\n")
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


def _result(finding: Finding, rule_index: int) -> dict:
    first, last = max(1, finding.lines[0]), max(1, finding.lines[0], finding.lines[1])
    identity = f"{finding.check}|{finding.stack}|{finding.resource}"
    return {
        "ruleId": finding.check,
        "ruleIndex": rule_index,
        "level": "error",
        "message": {"text": f"{finding.check} on {finding.resource} in stack {finding.stack}: {finding.name}"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(finding.path)},
                                            "region": {"startLine": first, "endLine": last}}}],
        "partialFingerprints": {FINGERPRINT: hashlib.sha256(identity.encode()).hexdigest()[:32]},
    }


def _uri(path: str) -> str:
    """Relative to the working directory when the file is under it (a repository path), else a file URI."""
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.as_uri()
