"""The store's password read from a file, so it need not sit in the URL or the environment."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from core import InvalidStoreUrlError


def with_password_file(url: str, password_file: str | None) -> str:
    """`url` with the password in `password_file` (its first line) put in, if one is named.

    Only a `postgresql://` URL without a password of its own takes one; anything else named
    with a password file is refused, so a setting that does nothing is never silently ignored.
    """
    if password_file is None:
        return url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("postgresql", "postgres"):
        raise InvalidStoreUrlError(url, "PLANLEDGER_STORE_PASSWORD_FILE needs a postgresql URL")
    if parts.password is not None:
        raise InvalidStoreUrlError(
            url, "the URL has a password and PLANLEDGER_STORE_PASSWORD_FILE names another"
        )
    try:
        lines = Path(password_file).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InvalidStoreUrlError(
            url, f"cannot read PLANLEDGER_STORE_PASSWORD_FILE {password_file!r}: {error.strerror}"
        ) from None
    password = lines[0] if lines else ""
    user = parts.username or "postgres"
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
