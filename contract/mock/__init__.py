"""The embedded mock Datadog site."""

from .faults import FAULTS, Fault, UnknownFaultError
from .server import MockSite
from .state import DEMO_API_KEY, DEMO_APP_KEY

__all__ = ["DEMO_API_KEY", "DEMO_APP_KEY", "FAULTS", "Fault", "MockSite", "UnknownFaultError"]
