"""The whole kube-scheduler v1.35.4 fidelity corpus replays step by step without a difference.

Covers every recorded decision point (feasible set, failing plugin/code/reasons per node, scores,
totals, top set, chosen node, FitError message, PostFilter status, nomination and victims). The
corpus is public test data copied from the recording (see fidelity_cases/README.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kcore.cli.fidelity import main as fidelity_main
from kcore.scheduler.fidelity import case_files, replay_file

CASES = Path(__file__).parent / "fidelity_cases"


@pytest.mark.parametrize("path", case_files(CASES), ids=lambda p: p.stem)
def test_case_matches(path: Path) -> None:
    report = replay_file(path)
    assert report.error == ""
    bad = [(s.index, s.pod, s.diffs[:3]) for s in report.steps if not s.matched]
    assert bad == []
    assert len(report.steps) > 0


def test_corpus_size() -> None:
    assert len(case_files(CASES)) == 31


def test_cli_reports_and_fails_on_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    case = json.loads((CASES / "taints-01.json").read_text())
    case["steps"][0]["feasible"] = case["steps"][0]["feasible"][:-1]
    bad = tmp_path / "taints-01.json"
    bad.write_text(json.dumps(case))
    out_json = tmp_path / "report.json"
    assert fidelity_main([str(tmp_path), "--verbose", "--json", str(out_json)]) == 1
    out = capsys.readouterr().out
    assert "29/30 steps matched" in out
    assert "feasible" in out
    report = json.loads(out_json.read_text())
    assert report["matched"] == 29
    assert report["total"] == 30


def test_cli_all_matched_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "resources-01.json").write_text((CASES / "resources-01.json").read_text())
    assert fidelity_main([str(tmp_path)]) == 0
    assert "26/26 steps matched" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"bad": 1}', "not a fidelity case: no 'name' field"),
        ("[1]", "a case file holds a JSON object, not list"),
        ('{"name": "x", "nodes": [], "steps": {}}', "steps: expected list, got dict"),
        ('{"name": "x", "nodes": [], "steps": [{"pod": {}}]}', "steps[0].status: expected str"),
        ("{", "cannot read"),
    ],
)
def test_a_file_that_is_not_a_case_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, problem: str
) -> None:
    (tmp_path / "resources-01.json").write_text((CASES / "resources-01.json").read_text())
    (tmp_path / "zz.json").write_text(content)
    assert fidelity_main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "resources-01: 26/26 steps matched [ok]" in out
    assert "zz: 0/0 steps matched [FAIL] error: " in out
    assert problem in out


def test_no_case_files_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert fidelity_main([str(tmp_path)]) == 2
    assert "no case files (*.json)" in capsys.readouterr().err
