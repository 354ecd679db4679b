"""The application runtime: the service, the engine and its threads, call slots, sub-plans.

It drives plans with the domain's pure functions: load, decide, append, call a tool between two
appends. It reaches the outside world only through the ports (`core.domain.ports`) and reads
time only through the clock, so a test can drive it. Other layers import it through `core`.
"""
