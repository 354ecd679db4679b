"""Read models: what each view holds and how each event changes it (pure; issue 4 fills this)."""

__all__: list[str] = []
