"""The domain (pure): plan specs, events, the fold, the scheduler, decisions and the ports.

Deterministic by construction: nothing here reads the clock, randomness, the environment or the
network, or starts a thread (import-linter forbids it). Time comes in as an argument and ids
from the caller, so the same events always fold to the same state and the same decisions.
Other layers import it through `core`.
"""
