"""What a call shows (contract/notebook/results.py): escaped, printable HTML and tables."""

from __future__ import annotations

import json

import notebook_helpers as h

from statuspage_contract.notebook import CallResult, RuleVerdicts, invalid_inputs, mock_faults


def test_html_is_escaped() -> None:
    body = json.dumps({"errors": [h.HOSTILE]}).encode()
    result = CallResult(h.exchange(body), action=f"do {h.HOSTILE}")
    page = result._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "FAIL" in page and "error-envelope" in page
    assert "<script>" not in RuleVerdicts(result.verdicts)._repr_html_()


def test_unprintable_characters_are_shown_as_escapes() -> None:
    result = CallResult(h.exchange(b"oops \x00\x1b[31m not json"))
    page = result._repr_html_()
    assert "\x00" not in page and "\x1b" not in page
    assert "\\u0000" in page and "\\u001b" in page


def test_catalogues() -> None:
    h.frames_needed()
    faults = mock_faults()
    assert "unmasked-api-key" in faults.ids
    assert list(faults.to_frame().columns) == ["fault", "breaks rule", "what the mock does"]
    assert "api-key-masked" in faults._repr_html_()
    assert list(invalid_inputs().to_frame().columns) == ["id", "why it is invalid"]
