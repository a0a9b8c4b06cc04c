"""The contract suite's pytest plugin (``plugin``), its options table and per-site session."""
