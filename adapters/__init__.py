"""Everything that touches the outside world: store, tools, CLI, logging, bootstrap."""
