"""DATABASE_URL for the processes a test starts (a server, a worker, the launcher)."""

from __future__ import annotations

from urllib.parse import quote

from django.db import connection


def this_test_database_url(*, user: str | None = None) -> str:
    """The URL of the database this test runs on, on the same server and address (a TCP host,
    or the embedded server's socket folder); as `user`, without a password, when given."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] and user is None else ""
    # A socket directory (the embedded server) arrives in OPTIONS, a TCP host in HOST.
    query = {"host": db["HOST"] or db["OPTIONS"].get("host"), "port": db["PORT"]}
    params = "&".join(f"{key}={value}" for key, value in query.items() if value)
    return f"postgresql://{user or db['USER']}{password}@/{db['NAME']}?{params}"
