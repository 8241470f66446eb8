"""Raw pages into a table's staging: COPY each page's JSON as one value, map the typed columns in SQL.

Mapping in Python means, per object, a dict of typed columns, a JSON dump of `raw` and a
COPY row of twenty values: at 100,000 opportunities that was most of the sync's CPU. Here
Python writes one COPY row per page (the page's objects as one JSON array) and PostgreSQL
unpacks it (`jsonb_array_elements`) and computes each column from an SQL expression over
the object `o` (and its 1-based place on its page, `n`). `raw` is `o` itself, the object as
Lever sent it. The staging table is then merged like any batch (`upsert.merge_staging`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from psycopg import sql
from sqlalchemy import Connection, Table

from lever_pipeline.warehouse.upsert import ensure_staging

PAGES_TABLE = "_raw_pages"


def stage_pages(conn: Connection, table: Table, pages: Sequence[bytes], columns: Mapping[str, str]) -> str:
    """Fill `table`'s staging table from `pages` (each a JSON array of objects); return its name.

    `columns`: column name to an SQL expression over `o` (jsonb) and `n`. Runs in the
    caller's transaction; both temporary tables are emptied at its commit.
    """
    staging = ensure_staging(conn, table)
    with conn.connection.driver_connection.cursor() as cur:
        cur.execute(
            sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (page int, body jsonb) ON COMMIT DELETE ROWS").format(
                sql.Identifier(PAGES_TABLE)
            )
        )
        with cur.copy(sql.SQL("COPY {} (page, body) FROM STDIN").format(sql.Identifier(PAGES_TABLE))) as copy:
            for i, page in enumerate(pages):
                # COPY's text format: a tab between values, a line per row, backslashes doubled.
                # JSON has no raw tab or newline inside it, so that is all the escaping it needs.
                copy.write(b"%d\t%s\n" % (i, page.replace(b"\\", b"\\\\")))
        cur.execute(
            sql.SQL(
                "INSERT INTO {staging} ({cols}) SELECT {exprs}"
                " FROM {pages} AS p CROSS JOIN LATERAL jsonb_array_elements(p.body) WITH ORDINALITY AS e(o, n)"
            ).format(
                staging=sql.Identifier(staging),
                cols=sql.SQL(", ").join(map(sql.Identifier, columns)),
                exprs=sql.SQL(", ").join(sql.SQL(expr) for expr in columns.values()),  # type: ignore[arg-type]
                pages=sql.Identifier(PAGES_TABLE),
            )
        )
        cur.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(PAGES_TABLE)))
    return staging
