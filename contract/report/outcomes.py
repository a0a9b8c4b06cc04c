"""What became of an edge input: the report's edges table counts each (a fact of the report
format, shared by the recorder that tallies and the reader that checks)."""

EDGE_OUTCOMES = ("passed", "failed", "skipped")
