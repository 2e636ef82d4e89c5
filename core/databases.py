"""A fresh PostgreSQL database beside the one DATABASE_URL names, for the runs that need their own:
the national-scale benchmark (`make bench-scale`) and the fault drill (tests/faults/drill.py).

    python -m core.databases isocert_scale     (prints the new database's URL)
"""

import os
import sys
import urllib.parse

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/isocert"


def fresh_database(name: str, *, server_url: str | None = None) -> str:
    """Drop the database `name` if it exists, create it empty on the same server, and return its
    URL. Refuses the name of the database DATABASE_URL itself names."""
    import psycopg2
    from psycopg2 import sql

    base = urllib.parse.urlsplit(server_url or os.environ.get("DATABASE_URL") or DEFAULT_URL)
    if base.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"A PostgreSQL server is needed (DATABASE_URL is {base.scheme}://…).")
    if base.path.lstrip("/") == name:
        raise SystemExit(f"Refusing to drop {name}: it is the database DATABASE_URL names.")
    connection = psycopg2.connect(
        dbname="postgres",
        user=base.username or "postgres",
        password=base.password,
        host=base.hostname or "127.0.0.1",
        port=base.port or 5432,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()
    return urllib.parse.urlunsplit(base._replace(path=f"/{name}"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m core.databases NAME")
    sys.stdout.write(fresh_database(sys.argv[1]) + "\n")
