"""The store backends every contract runs on, as mixins that name the store URL.

A contract module subclasses its abstract contract once per backend:
`class TestThingOnSqlite(OnSqlite, ThingContract)`, so no backend drifts from the others.
"""

from __future__ import annotations

from pathlib import Path

import pytest


class OnMemory:
    @pytest.fixture
    def store_url(self) -> str:
        return "memory://"


class OnSqlite:
    @pytest.fixture
    def store_url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'planledger.db'}"


@pytest.mark.postgres
class OnPostgres:
    @pytest.fixture
    def store_url(self, postgres_url: str) -> str:
        return postgres_url
