"""A contract-checking proxy: forwards real traffic to a site, judges every exchange with the
contract's rules, and writes reports the release gate reads (``run.kind`` "proxy")."""

from .facade import ContractProxy, JudgedExchanges
from .judge import JudgedExchange
from .server import ProxyServer

__all__ = ["ContractProxy", "JudgedExchange", "JudgedExchanges", "ProxyServer"]
