"""The embedded mock Datadog site."""

from contract.mock.faults import FAULTS, Fault, UnknownFaultError
from contract.mock.server import MockSite
from contract.mock.state import DEMO_API_KEY, DEMO_APP_KEY

__all__ = ["DEMO_API_KEY", "DEMO_APP_KEY", "FAULTS", "Fault", "MockSite", "UnknownFaultError"]
