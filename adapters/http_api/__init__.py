"""The HTTP API: FastAPI routes over the Ledger, authenticated principals, SSE and webhooks."""
