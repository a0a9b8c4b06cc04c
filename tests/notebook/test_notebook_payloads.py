"""Payload samples (contract/notebook/payloads.py): drawn from the contract, keys hidden."""

from __future__ import annotations

import json

import notebook_helpers as h

from statuspage_contract.notebook import sample_payloads
from statuspage_contract.redact import REDACTED
from statuspage_contract.scenarios import is_valid_create_body


def test_sample_valid_payloads_hide_api_keys() -> None:
    sample = sample_payloads(6, seed=1)
    assert len(sample) == 6 and sample.valid
    assert all(is_valid_create_body(body) for body in sample)
    page = sample._repr_html_()
    for body in sample:
        key = body["data"]["attributes"]["api_key"]
        if key:
            assert json.dumps({"api_key": key})[1:-1] not in page
    assert "api_key" in page and REDACTED in page


def test_sample_invalid_payloads_break_the_schema() -> None:
    sample = sample_payloads(6, valid=False, seed=2)
    assert len(sample) == 6 and not sample.valid
    assert not any(is_valid_create_body(body) for body in sample)
    rows = sample.rows()
    assert all(not row["valid"] and row["problem"] for row in rows)


def test_sample_frame_columns() -> None:
    h.frames_needed()
    frame = sample_payloads(3, seed=3).to_frame()
    assert list(frame.columns) == ["#", "valid", "data.type", "api_key", "problem", "body"]
    assert frame["valid"].all()
