"""Static checks that run with the suite: bandit finds no medium or high severity issue in the app."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.content_only  # the code alone: the same on every database

ROOT = Path(__file__).resolve().parent.parent


def test_bandit_finds_no_medium_or_high_issues():
    """bandit (OWASP ASVS tooling) reports nothing of medium or high severity in esafety/."""
    result = subprocess.run([sys.executable, "-m", "bandit", "-q", "-r", str(ROOT / "esafety"), "-f", "json"],
                            capture_output=True, text=True, check=False)
    report = json.loads(result.stdout)
    serious = [f"{i['filename']}:{i['line_number']} {i['test_id']} {i['issue_text']}"
               for i in report["results"] if i["issue_severity"] in ("MEDIUM", "HIGH")]
    assert serious == []
