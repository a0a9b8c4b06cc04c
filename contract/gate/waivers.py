"""Waivers: dated, reasoned acceptances of one rule's failure (or absence), read from TOML.

Used by the release gate and by ``statuspage-contract run --waivers``; the file format is
documented in reports/README.md.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import GateInputError
from ..report.reader import site_reports
from ..report.strict_json import read_input
from ..rules import RULES

WAIVER_KEYS = {"rule", "site", "reason", "expires"}


@dataclass(frozen=True)
class Waiver:
    """A dated, reasoned acceptance of one rule's failure (on one site, or on all sites)."""

    rule: str
    reason: str
    expires: date  # the last day on which the waiver counts
    site: str | None = None

    def covers(self, rule: str, site: str) -> bool:
        return self.rule == rule and (self.site is None or self.site == site)

    def expired(self, today: date) -> bool:
        return today > self.expires

    @property
    def label(self) -> str:
        return f"{self.rule}" + (f" on {self.site}" if self.site else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "site": self.site,
            "reason": self.reason,
            "expires": self.expires.isoformat(),
        }


def _parse_date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        raise GateInputError(f"{where}: expires must be a date (YYYY-MM-DD), not a date-time")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise GateInputError(f"{where}: expires must be a date written YYYY-MM-DD, got {value!r}")


def parse_waivers(
    text: str, valid_rules: Iterable[str] | None = None, source: str = "waivers file"
) -> list[Waiver]:
    """Parse and strictly validate a TOML waivers file (format in reports/README.md)."""
    valid = sorted(set(valid_rules) if valid_rules is not None else set(RULES))
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GateInputError(f"{source} is not valid TOML: {exc}") from None
    unknown = sorted(set(document) - {"waiver"})
    if unknown:
        raise GateInputError(
            f"{source}: unknown top-level key(s) {', '.join(unknown)}; expected [[waiver]] tables"
        )
    entries = document.get("waiver", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise GateInputError(f"{source}: 'waiver' must be an array of tables ([[waiver]])")
    return waivers_from_entries(entries, valid, source)


def waivers_from_entries(
    entries: list[dict[str, Any]], valid_rules: Iterable[str], source: str
) -> list[Waiver]:
    """Validate waiver tables (a file's ``[[waiver]]``, or what a report records)."""
    valid = sorted(set(valid_rules))
    waivers: list[Waiver] = []
    seen: set[tuple[str, str | None]] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"{source}: waiver #{number}"
        extra = sorted(set(entry) - WAIVER_KEYS)
        if extra:
            raise GateInputError(
                f"{where}: unknown key(s) {', '.join(extra)}; allowed: "
                + ", ".join(sorted(WAIVER_KEYS))
            )
        for needed in ("rule", "reason", "expires"):
            if needed not in entry:
                raise GateInputError(
                    f"{where}: missing '{needed}' (rule, reason and expires are required)"
                )
        rule, reason, site = entry["rule"], entry["reason"], entry.get("site")
        if not isinstance(rule, str) or rule not in valid:
            raise GateInputError(
                f"{where} names an unknown rule {rule!r}; valid rules: {', '.join(valid)}"
            )
        where = f"{source}: waiver #{number} ({rule})"
        if not isinstance(reason, str) or not reason.strip():
            raise GateInputError(f"{where}: 'reason' must be a non-empty string")
        if site is not None and (not isinstance(site, str) or not site.strip()):
            raise GateInputError(f"{where}: 'site' must be a non-empty string when given")
        key = (rule, site.strip() if site else None)
        if key in seen:
            raise GateInputError(f"{where}: a second waiver for the same rule and site")
        seen.add(key)
        waivers.append(
            Waiver(
                rule=rule,
                reason=" ".join(reason.split()),
                expires=_parse_date(entry["expires"], where),
                site=key[1],
            )
        )
    return waivers


def load_waivers(path: Path, valid_rules: Iterable[str] | None = None) -> list[Waiver]:
    """Read and validate a waivers file; an empty file means no waivers."""
    raw = read_input(path, "waivers file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise GateInputError(f"waivers file {path} is not UTF-8 text") from None
    return parse_waivers(text, valid_rules, source=f"waivers file {path}")


def recorded_waivers(report: Mapping[str, Any], valid_rules: Iterable[str]) -> list[Waiver]:
    """The waivers a report records as applied by its run (``run.waivers`` of each site,
    written by ``run --waivers``), validated as strictly as a waivers file."""
    found: dict[tuple[str, str | None], Waiver] = {}
    for site, entry in site_reports(report).items():
        recorded = (entry.get("run") or {}).get("waivers", [])
        where = f"site {site}: run.waivers"
        if not isinstance(recorded, list) or not all(isinstance(w, dict) for w in recorded):
            raise GateInputError(f"{where} must be a list of waivers")
        for waiver in waivers_from_entries(recorded, valid_rules, where):
            found.setdefault((waiver.rule, waiver.site), waiver)
    return list(found.values())
