"""Sending: the exchange (a request/response pair), the client and the recorder of verdicts."""
