"""The Markdown summary (summary.md, and a CI job's step summary) from the view model."""

from __future__ import annotations

import re
from typing import Any

from .presentation import TIMES, shorten
from .view import report_view

MD_MESSAGE_LIMIT = 160


# -- Markdown -------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def md_text(value: Any, limit: int | None = None) -> str:
    """``value`` as inline Markdown text: one line, markup and HTML neutralised."""
    text = " ".join(str(value).split())
    if limit is not None:
        text = shorten(text, limit)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_code(value: Any) -> str:
    """``value`` as an inline code span (backticks and pipes cannot escape it)."""
    text = " ".join(str(value).split()).replace("`", "'").replace("|", "¦")
    return f"`{text}`"


def _md_site(site: dict[str, Any], heading: str) -> list[str]:
    out: list[str] = []
    for label, text in site["notices"]:
        out += [f"> **{label}:** {md_text(text)}", ""]
    tests = site["tests"]
    facts = []
    if site["faults"]:
        facts.append("mock faults: " + ", ".join(md_code(f) for f in site["faults"]))
    if site["requests"] is not None:
        control = site["state_control"]
        extra = f" ({md_text(control)} state control)" if control is not None else ""
        facts.append(f"{md_text(site['requests'])} requests{extra}")
    facts.append(
        f"{tests['total']} tests: {tests['passed']} passed, {tests['failed']} failed,"
        f" {tests['skipped']} skipped"
    )
    if site["duration"] is not None:
        facts.append(f"{md_text(site['duration'])} s")
    out.append(" · ".join(facts))
    out.append("")
    c = site["rule_counts"]
    out.append(
        f"**Rules:** {c.get('passed', 0)} passed, {c.get('failed', 0)} failed,"
        f" {c.get('skipped', 0)} skipped, {c.get('not-run', 0)} not run"
        f" (of {len(site['rules'])})"
    )
    out.append("")
    for rule in site["failing_rules"]:
        if rule["recorded"] < rule["failed"]:
            out += [
                f"{md_code(rule['name'])}: {rule['recorded']} of {rule['failed']} failed checks "
                f"are recorded in the report (at most {rule['cap']} distinct failures per rule).",
                "",
            ]
    if site["failing_rules"]:
        first = {f["rule"]: f for f in reversed(site["failures"])}
        out += [
            "| Failing rule | Kind | Failed | Passed | Example |",
            "| --- | --- | ---: | ---: | --- |",
        ]
        for rule in site["failing_rules"]:
            f = first.get(rule["name"])
            example = (
                md_text(f"{f['operation']}: {f['message']}".strip(": "), MD_MESSAGE_LIMIT)
                if f
                else ""
            )
            out.append(
                f"| {md_code(rule['name'])} | {md_text(rule['kind'])} | {rule['failed']}"
                f" | {rule['passed']} | {example} |"
            )
        out.append("")
    if site["unexercised_required"]:
        names = ", ".join(md_code(n) for n in site["unexercised_required"])
        out += [
            f"**Required rules not exercised** (the release gate fails on them unless waived):"
            f" {names}",
            "",
        ]
    if site["edges"]:
        out += [
            f"{heading} Edges",
            "",
            "| Edge category | Inputs | Passed | Failed | Skipped |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for row in site["edges"]:
            out.append(
                f"| {md_code(row['category'])} | {row['inputs']} | {row['passed']}"
                f" | {row['failed']} | {row['skipped']} |"
            )
        out.append("")
    if site["plan"]:
        plan = site["plan"]
        out += [
            f"{heading} Requests against the plan",
            "",
            f"Request budget: {plan['budget']}."
            + ("" if plan["judged"] else " Not judged: some tests that sent were not planned."),
            "",
            "| Class | Method | Suite | At most | Sent |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        for row in plan["rows"]:
            out.append(
                f"| {row['class']} | {row['method']} | {row['suite']} | {row['at_most']}"
                f" | {row['sent']} |"
            )
        out += ["", *(f"**Outside the plan:** {md_text(o)}" for o in plan["outside"]), ""]
    if site["tests"]["errors_without_rule"]:
        names = ", ".join(md_code(n) for n in site["tests"]["errors_without_rule"])
        out += [f"**Tests that failed without a rule:** {names}", ""]
    if site["matrix"]["rows"]:
        out += [f"{heading} Status-code coverage", ""]
        for row in site["matrix"]["rows"]:
            seen, unseen, undoc = [], [], []
            for code, cell in zip(site["matrix"]["columns"], row["cells"], strict=True):
                if cell["css"] == "seen":
                    seen.append(f"{code}{TIMES}{cell['count']}")
                elif cell["css"] == "unseen":
                    unseen.append(code)
                elif cell["css"] == "undoc" and cell["count"]:
                    undoc.append(f"**{code}{TIMES}{cell['count']}**")
            named = f"{md_code(row['operation_id'])} " if row["operation_id"] else ""
            line = (
                f"- {named}{md_code(row['operation'])}: {row['documented_seen']}/"
                f"{row['documented_total']} documented codes seen"
            )
            if row["requests"] is not None:
                line += f" in {row['requests']} request(s)"
            if seen:
                line += " — " + ", ".join(seen)
            if unseen:
                line += "; never seen: " + ", ".join(unseen)
            if undoc:
                line += "; undocumented: " + ", ".join(undoc)
            out.append(line)
        out.append("")
    return out


def render_markdown(report: dict[str, Any]) -> str:
    """A short Markdown summary for a CI job page (e.g. ``$GITHUB_STEP_SUMMARY``)."""
    view = report_view(report)
    mark = "✅" if view["ok"] else "❌"
    out = [f"## {mark} {md_text(view['title'])}", ""]
    if view["reason"]:
        out += [md_text(view["reason"]), ""]
    if view["combined"]:
        out += [
            "| Site | Verdict | Failing rules | Required rules not exercised |",
            "| --- | --- | --- | ---: |",
        ]
        for site in view["sites"]:
            failing = ", ".join(md_code(r["name"]) for r in site["failing_rules"]) or "—"
            unexercised = len(site["unexercised_required"])
            verdict = f"{'✅' if site['ok'] else '❌'} {site['word']}"
            out.append(f"| {md_code(site['name'])} | {verdict} | {failing} | {unexercised} |")
        out.append("")
        for site in view["sites"]:
            verdict = f"{'✅' if site['ok'] else '❌'} {site['word']}"
            out += [f"### {md_code(site['name'])} — {verdict}", ""]
            out += _md_site(site, "####")
    else:
        for site in view["sites"]:
            out += _md_site(site, "###")
    out.append("Details: `contract-report.html` (failures with reproductions) and")
    out.append("`contract-report.json` in the report directory.")
    return "\n".join(out) + "\n"
