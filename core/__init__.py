"""planledger's core: the pure domain (`core.domain`) and the application runtime beside it
(`core.runtime`). This module is their public API: projections, adapters and users import core
from here, never from a module inside it (import-linter enforces it for the other layers).

`core.domain` is deterministic: specs, events, the fold, the scheduler, decisions, validation,
trigger rules, the hash chain and the ports. It never reads the clock, randomness, the
environment or the network, and starts no thread: time comes in as an argument, ids from the
caller. `core.runtime` drives plans with it: the service that loads, decides and appends, the
engine that runs tools on threads, the call slots shared by a worker's engines, the sub-plan
runner, the notebook service and its tool functions, change hooks. It reaches the outside
world only through the ports, and reads time through the clock.
"""

from __future__ import annotations

from core import domain, runtime
from core.domain import *  # noqa: F403  (the domain's public names, listed in its __all__)
from core.runtime import *  # noqa: F403  (the runtime's public names, listed in its __all__)

__all__ = [*domain.__all__, *runtime.__all__]
