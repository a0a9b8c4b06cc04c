"""Sending: the exchange (a request/response pair) and the client that sends, paces and guards."""
