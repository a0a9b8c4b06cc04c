"""The Python and notebook face of the proxy: ``with ContractProxy(site="mock") as proxy:``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from ..serving import TIMEOUTS, ConnectionTimeouts
from ..sites import LOCALHOST
from .forward import DEFAULT_TIMEOUT
from .judge import LIVE_LIMIT, JudgedExchange
from .server import ProxyServer
from .session import write_proxy_report

#: The latest exchanges a notebook shows.
SHOWN_ROWS = 200


class JudgedExchanges:
    """A snapshot of the latest judged exchanges: a list with a table view."""

    def __init__(self, items: Iterable[JudgedExchange]) -> None:
        self.items = list(items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[JudgedExchange]:
        return iter(self.items)

    def __getitem__(self, index: int) -> JudgedExchange:
        return self.items[index]

    def __repr__(self) -> str:
        lines = [f"<{len(self.items)} judged exchange(s)>"]
        lines += [
            f"  #{e.number} {e.method} {e.path} -> {e.status or '-'}: {e.verdict}"
            for e in self.items[-20:]
        ]
        return "\n".join(lines)

    @property
    def violations(self) -> list[JudgedExchange]:
        return [e for e in self.items if e.violations]

    def to_records(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.items]

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per exchange (pandas is imported here)."""
        import pandas as pd

        rows = [
            {
                "number": e.number,
                "method": e.method,
                "path": e.path,
                "status": e.status,
                "elapsed_ms": round(e.elapsed_ms, 2),
                "verdict": e.verdict,
                "broken_rules": ", ".join(sorted({r for r, _ in e.violations})),
                "rules_passed": len(e.passed),
            }
            for e in self.items
        ]
        columns = ["number", "method", "path", "status", "elapsed_ms", "verdict"]
        return pd.DataFrame(rows, columns=[*columns, "broken_rules", "rules_passed"])

    def _repr_html_(self) -> str:
        from ..report.templating import environment

        template = environment(Path(__file__).parent / "templates").get_template(
            "exchanges.html.j2"
        )
        return template.render(total=len(self.items), rows=self.items[-SHOWN_ROWS:])


class ContractProxy:
    """A contract-checking proxy in front of a site, on a background thread.

    ``base_url`` is where clients send their requests; :attr:`exchanges` is the live list of
    judged exchanges (the latest ``live_limit``); :meth:`report` is the run's report so far,
    and :meth:`write_report` writes it in every format.
    """

    def __init__(
        self,
        site: str = "mock",
        *,
        host: str = LOCALHOST,
        port: int = 0,
        timeout: float = DEFAULT_TIMEOUT,
        mock_faults: Iterable[str] = (),
        live_limit: int = LIVE_LIMIT,
        timeouts: ConnectionTimeouts = TIMEOUTS,
    ) -> None:
        self.server = ProxyServer(
            site,
            host=host,
            port=port,
            timeout=timeout,
            mock_faults=mock_faults,
            live_limit=live_limit,
            timeouts=timeouts,
        )

    def start(self) -> ContractProxy:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> ContractProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:  # never shows keys
        return f"<ContractProxy {self.base_url} -> {self.server.site.name}>"

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def site(self) -> str:
        return self.server.site.name

    @property
    def mock(self) -> Any:
        """The embedded mock behind the proxy (``site="mock"``), else None."""
        return self.server.mock

    @property
    def exchanges(self) -> JudgedExchanges:
        return JudgedExchanges(self.server.judge.snapshot())

    def report(self) -> dict[str, Any]:
        return self.server.report()

    def write_report(self, report_dir: str | Path = "reports") -> list[Path]:
        """Write the report so far (JSON, HTML, Markdown) into ``report_dir``."""
        return write_proxy_report(self.report(), Path(report_dir))

    def decision(self) -> dict[str, Any]:
        """The one verdict of the report so far (as ``run`` and ``gate`` decide it)."""
        return dict(self.report()["decision"])
