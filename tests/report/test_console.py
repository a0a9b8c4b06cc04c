"""The console's reproduction lines: a one-line curl as it is; a script (a sequence, or the
command that serves the site) line by line for the first failure of a rule only, a pointer to
the HTML report for the others (long lines and long scripts: tests/report/test_floods.py)."""

from __future__ import annotations

from statuspage_contract.report.console import finding_lines

SCRIPT = "# replay against: statuspage-contract serve --fault x\ncurl -X POST a\ncurl -X GET b"


def report(*reproductions: str) -> dict:
    failures = [
        {"rule": "lifecycle-effects", "operation": "GET", "message": f"m{i}", "reproduction": r}
        for i, r in enumerate(reproductions)
    ]
    return {"rules": {"lifecycle-effects": {"failed": len(failures)}}, "failures": failures}


def test_a_one_line_reproduction_is_one_line():
    lines = finding_lines(report("curl -X GET http://x"))
    assert "    reproduce: curl -X GET http://x" in lines


def test_the_first_script_of_a_rule_is_shown_line_by_line():
    lines = finding_lines(report(SCRIPT))
    at = next(i for i, line in enumerate(lines) if line.startswith("    reproduce: #"))
    shown = [
        lines[at].removeprefix("    reproduce: "),
        *(x.strip() for x in lines[at + 1 : at + 3]),
    ]
    assert shown == SCRIPT.splitlines()


def test_later_scripts_of_the_same_rule_are_pointed_to_not_printed():
    lines = finding_lines(report(SCRIPT, SCRIPT))
    assert sum(line.startswith("    reproduce: #") for line in lines) == 1
    assert "    reproduce: a 3-line bash script (in contract-report.html)" in lines
