"""End-to-end tests: the `planledger` CLI run as a user runs it, as separate processes."""
