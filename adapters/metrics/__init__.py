"""Prometheus metrics of a worker or a projector, served on `/metrics` (`--metrics-port`).

Nothing here is imported unless a command is given `--metrics-port`: `prometheus_client` takes
about 0.15 s to import.
"""
