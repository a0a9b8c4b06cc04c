"""Edge inputs (statuspage_contract.edges): derived from the schemas, judged by the suite's rules,
safe on live sites, counted in the report, and every category can fail."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from statuspage_contract.bad_inputs import bad_inputs
from statuspage_contract.edges import CATEGORIES, derive
from statuspage_contract.edges.judge import EdgeRun
from statuspage_contract.edges.model import representatives
from statuspage_contract.edges.values import near_misses, string_values
from statuspage_contract.http.client import BudgetExhausted
from statuspage_contract.judging import ContractViolation, judged_client
from statuspage_contract.judging.recorder import Recorder
from statuspage_contract.live.safety import Ownership, could_change_state
from statuspage_contract.mock import FAULTS, MockSite
from statuspage_contract.report.build import merge_same_site
from statuspage_contract.spec import is_json_media_type, load_contract, property_paths
from statuspage_contract.spec.validators import schema_errors

CONTRACT = load_contract()
S = CONTRACT.status
EDGE_FAULTS = {name: f for name, f in FAULTS.items() if f.edge}


def all_edges(mock: bool = True) -> list[Any]:
    return [e for c in CATEGORIES for e in derive(c, mock=mock)]


# -- derivation -----------------------------------------------------------------------------
def test_every_category_has_inputs_and_every_input_is_sent_once() -> None:
    edges = all_edges()
    assert {e.category for e in edges} == set(CATEGORIES)
    signatures = [(e.signature(), e.auth) for e in edges]
    assert len(signatures) == len(set(signatures))
    already = set()
    for method in ("POST", "PATCH"):
        for bad in bad_inputs(method):
            already.add((method, json.dumps(bad.kwargs.get("json"), sort_keys=True)))
    assert not [e.id for e in edges if e.has_json and e.signature()[:2] in already]


def test_json_bodies_are_classified_by_the_request_schema() -> None:
    for edge in all_edges():
        if not edge.has_json or edge.auth or edge.expect == "either":
            continue
        schema = CONTRACT.operation(edge.method).request_schema or {}
        valid = not schema_errors(edge.body, schema)
        assert (edge.expect == "accept") == valid, edge.id


def test_string_edges_name_every_string_field_of_the_schemas_and_nothing_else() -> None:
    named = {e.label.split(" ")[0] for e in derive("strings")}
    strings = {
        ".".join(path)
        for method in ("POST", "PATCH")
        for path, sub, _ in property_paths(CONTRACT.operation(method).request_schema or {})
        if sub.get("type") == "string" and "enum" not in sub
    }
    assert named == strings


def test_string_values_straddle_the_declared_bounds() -> None:
    values = string_values({"type": "string", "minLength": 3, "maxLength": 5})
    lengths = {len(v) for label, v, _, _ in values if label.startswith("of length")}
    assert lengths == {2, 3, 4, 5, 6}
    assert {len(v) for label, v, _, _ in values if "KiB" in label} == {1024, 64 * 1024}
    kinds = {len(v): kind for label, v, _, kind in values if label.startswith("of length")}
    assert kinds[2] != kinds[3] == kinds[5] != kinds[6] != kinds[2]  # below, within, above
    labels = " ".join(label for label, _, _, _ in values)
    for what in ("non-ASCII", "emoji", "combining", "right-to-left", "NUL", "whitespace",
                 "numeric", "JSON", "surrogates"):  # fmt: skip
        assert what in labels
    assert [label for label, _, ambiguous, _ in values if ambiguous] == [
        "with escaped lone surrogates"
    ]


def test_enum_near_misses_are_near_and_never_allowed() -> None:
    misses = dict(near_misses("two-words", ["two-words", "TWO-WORDS"]))
    assert "TWO-WORDS" not in misses.values()  # an allowed value is no near miss
    assert {"two_words", "two words", " two-words", "two-words ", "two-word", "two-wordss"} <= {
        m for m in misses.values() if isinstance(m, str)
    }
    assert None in misses.values() and ["two-words"] in misses.values()
    assert derive("enums") and all(e.expect == "refuse" for e in derive("enums"))


def test_objects_cover_wrong_types_unknown_members_at_every_level_and_duplicate_keys() -> None:
    labels = [e.id for e in derive("objects")]
    assert sum("an unknown member" in x for x in labels) == 2 * 3  # body, data, attributes
    assert all(e.expect == "accept" for e in derive("objects") if "unknown member" in e.label)
    duplicates = [e for e in derive("objects") if "twice" in e.label]
    assert duplicates and all(e.expect == "either" for e in duplicates)
    for edge in duplicates:  # the raw body reads (last wins) as its last reading
        assert json.loads(edge.data) == edge.readings[-1]


def test_media_types_accept_the_spellings_of_json_and_refuse_the_others() -> None:
    for edge in derive("media-types"):
        assert (edge.expect == "accept") == is_json_media_type(edge.content_type), edge.id
    assert any(
        ";" in (e.content_type or "") and e.expect == "accept" for e in derive("media-types")
    )


def test_auth_edges_cover_every_operation_in_every_way() -> None:
    live = derive("auth", mock=False)
    for method in CONTRACT.operations:
        assert len([e for e in live if e.method == method]) == 6
    readers = {e.method for e in derive("auth", mock=True) if e.needs_mock}
    assert readers == {m for m, op in CONTRACT.operations.items() if m not in CONTRACT.safe_methods}
    assert not any(e.needs_mock for e in live)


# -- live safety ----------------------------------------------------------------------------
def _live_target(mutations: bool = False) -> Any:
    reason = None if mutations else "would create, change or delete an account; read-only"
    return SimpleNamespace(is_mock=False, mock=None, mutation_skip_reason=reason)


def test_a_read_only_run_sends_no_edge_a_lenient_site_could_turn_into_a_change() -> None:
    client = judged_client("http://127.0.0.1:9", "k" * 32, "a" * 40, ownership=Ownership())
    client.ownership.preflight(exists=False)
    run = EdgeRun(client, _live_target())
    sent = [e for e in all_edges(mock=False) if run.skip_reason(e) is None]
    assert sent, "read-only runs still send the edges that cannot change state"
    for edge in sent:
        assert edge.method in CONTRACT.safe_methods or all(
            not could_change_state(edge.method, body) for body in edge.bodies()
        ), edge.id
    client.close()


def test_a_duplicate_key_body_is_judged_by_every_reading_a_lenient_site_may_take() -> None:
    client = judged_client("http://127.0.0.1:9", "k" * 32, "a" * 40, ownership=Ownership())
    client.ownership.preflight(exists=False)
    run = EdgeRun(client, _live_target())
    # read as its last member (null), the body is invalid and carries no key ...
    valid_first = [
        e
        for e in derive("objects")
        if "null last" in e.label and not could_change_state(e.method, e.data)
    ]
    assert valid_first
    for edge in valid_first:  # ... but a first-wins parser reads a valid create
        assert run.skip_reason(edge)
    client.close()


# -- judging against the mock ---------------------------------------------------------------
def _run(site: MockSite, category: str, every: bool = True, **client: Any) -> Recorder:
    recorder = Recorder()
    api = judged_client(site.base_url, site.api_key, site.app_key, recorder=recorder, **client)
    target = SimpleNamespace(is_mock=True, mock=site, mutation_skip_reason=None)
    try:
        EdgeRun(api, target, every=every).run(category)
    finally:
        api.close()
    return recorder


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_every_edge_passes_against_the_healthy_mock(edge_site: MockSite, category: str) -> None:
    edge_site.set_faults([])
    edge_site.reset()
    summary = _run(edge_site, category).edges_summary()[category]
    assert summary == {"inputs": len(derive(category)), "passed": summary["inputs"],
                       "failed": 0, "skipped": 0}  # fmt: skip


@pytest.mark.parametrize("every", [True, False], ids=["every-edge", "one-of-each-class"])
@pytest.mark.parametrize("fault", sorted(EDGE_FAULTS))
def test_each_edge_fault_fails_its_category_naming_its_rule(
    edge_site: MockSite, fault: str, every: bool
) -> None:
    edge_site.set_faults([fault])
    edge_site.reset()
    category = str(EDGE_FAULTS[fault].edge)
    try:
        with pytest.raises(ContractViolation) as caught:
            _run(edge_site, category, every)
    finally:
        edge_site.set_faults([])
    assert EDGE_FAULTS[fault].breaks in caught.value.rules
    assert f"({category} edge" in str(caught.value) or "server error" in str(caught.value)


@pytest.mark.parametrize(
    ("category", "budget"), [("auth", 5), ("enums", 4), ("enums", 6), ("media-types", 9)]
)
def test_a_spent_budget_stops_a_category_and_counts_the_rest_as_skipped(
    edge_site: MockSite, category: str, budget: int
) -> None:
    """Wherever the budget runs out (in a group, at its GET, at a claim's), every edge is
    counted once: passed, or skipped when its verdict was still waiting."""
    edge_site.set_faults([])
    edge_site.reset()
    recorder = Recorder()
    api = judged_client(edge_site.base_url, edge_site.api_key, edge_site.app_key,
                         recorder=recorder, budget=budget)  # fmt: skip
    target = SimpleNamespace(is_mock=True, mock=edge_site, mutation_skip_reason=None)
    with pytest.raises(BudgetExhausted):
        EdgeRun(api, target).run(category)
    api.close()
    summary = recorder.edges_summary()[category]
    assert api.sent == budget
    assert summary["inputs"] == len(derive(category)) and summary["skipped"] > 0
    assert summary["failed"] == 0


# -- one of each class (the fast profile) ---------------------------------------------------
def test_a_class_is_one_category_method_expectation_location_and_kind() -> None:
    edges = all_edges()
    first, others = representatives(edges)
    assert len(first) + len(others) == len(edges) and others
    assert len({e.kind() for e in first}) == len(first) == len({e.kind() for e in edges})
    for edge in others:
        twin = next(e for e in first if e.kind() == edge.kind())
        assert (twin.category, twin.method, twin.expect) == (edge.category, edge.method,
                                                             edge.expect)  # fmt: skip
        assert twin.family is not None and twin.family == edge.family
    # what a class must keep apart stays apart
    assert all(e.family is None for e in derive("bodies"))
    apart = {e.label.split(" ", 1)[1] for e in first if e.category == "media-types"}
    assert any(";" in label for label in apart) and any("APPLICATION" in x for x in apart)


def test_one_of_each_class_counts_every_edge_and_passes_the_healthy_mock(
    edge_site: MockSite,
) -> None:
    edge_site.set_faults([])
    for category in CATEGORIES:
        edge_site.reset()
        summary = _run(edge_site, category, every=False).edges_summary()[category]
        sent = len(representatives(derive(category))[0])
        assert summary == {"inputs": len(derive(category)), "passed": sent, "failed": 0,
                           "skipped": summary["inputs"] - sent}  # fmt: skip


# -- the report -----------------------------------------------------------------------------
def _report(edges: dict[str, Any], failing: tuple[str, ...] = ()) -> dict[str, Any]:
    from report_factory import site_report

    report = site_report(failing=failing)
    stamp = "2026-11-29T00:00:00+00:00"
    report["run"].update(started=stamp, finished=stamp, duration_seconds=1.0)
    report["edges"] = edges
    return report


def test_the_gate_reads_the_edges_table_strictly() -> None:
    from statuspage_contract.errors import GateInputError
    from statuspage_contract.report.reader import validate_report

    good = {"strings": {"inputs": 3, "passed": 2, "failed": 0, "skipped": 1}}
    validate_report(_report(good))
    failed = {"strings": {"inputs": 3, "passed": 2, "failed": 1, "skipped": 0}}
    validate_report(_report(failed, failing=("no-server-error",)))
    for bad, why in (
        ({"strings": {"inputs": 4, "passed": 2, "failed": 0, "skipped": 1}}, "not passed"),
        ({"strings": {"inputs": 1, "passed": -1, "failed": 0, "skipped": 2}}, "a count"),
        ({"strings": []}, "must be an object"),
        ([], "must be an object"),
        (failed, "no rule failed"),
    ):
        with pytest.raises(GateInputError, match=why):
            validate_report(_report(bad))  # type: ignore[arg-type]


def test_reports_of_one_site_from_several_workers_add_their_edges() -> None:
    one = _report({"auth": {"inputs": 2, "passed": 2, "failed": 0, "skipped": 0}})
    two = _report({"auth": {"inputs": 3, "passed": 1, "failed": 0, "skipped": 2},
                   "bodies": {"inputs": 1, "passed": 1, "failed": 0, "skipped": 0}})  # fmt: skip
    merged = merge_same_site([one, two])[0]["edges"]
    assert merged["auth"] == {"inputs": 5, "passed": 3, "failed": 0, "skipped": 2}
    assert merged["bodies"]["inputs"] == 1


def test_the_html_and_the_summary_show_the_edges_table() -> None:
    from statuspage_contract.report.html import render_html
    from statuspage_contract.report.markdown import render_markdown

    report = _report({"media-types": {"inputs": 14, "passed": 12, "failed": 2, "skipped": 0}},
                     failing=("valid-body-accepted",))  # fmt: skip
    assert "| `media-types` | 14 | 12 | 2 | 0 |" in render_markdown(report)
    html = render_html(report)
    assert "<h3>Edges</h3>" in html or ">Edges<" in html
    assert '<tr class="failed">\n  <td><code>media-types</code></td>' in html
