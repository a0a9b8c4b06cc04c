"""The contract suite: pytest tests of a site against the contract (shipped in the package)."""
