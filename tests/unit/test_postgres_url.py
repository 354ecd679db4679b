"""A store URL's parts reach libpq as they are: quoted, never read as keywords of their own."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict

from adapters.store.postgres_url import postgres_address

_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    min_size=1,
    max_size=24,
)


@settings(max_examples=200, deadline=None)
@given(user=_TEXT, password=_TEXT, database=_TEXT)
def test_libpq_reads_back_every_part_of_the_url_exactly(
    user: str, password: str, database: str
) -> None:
    url = f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:5433/"
    url += quote(database, safe="")

    parsed = conninfo_to_dict(postgres_address(url).conninfo)

    assert parsed["user"] == user
    assert parsed["password"] == password
    assert parsed["dbname"] == database
    assert (parsed["host"], parsed["port"]) == ("127.0.0.1", "5433")


def test_a_password_that_reads_as_keywords_stays_a_password() -> None:
    password = "x' host=/nowhere port=1 dbname=other"
    url = f"postgresql://alice:{quote(password, safe='')}@db.example:5432/ledger"

    parsed = conninfo_to_dict(postgres_address(url).conninfo)

    assert parsed == {
        "host": "db.example",
        "port": "5432",
        "dbname": "ledger",
        "user": "alice",
        "password": password,
        "connect_timeout": "10",
    }
