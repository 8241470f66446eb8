import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import json, sys
from pathlib import Path
from sqlalchemy import text
from lever_pipeline.warehouse.engine import create_warehouse_engine, warehouse_url
url = warehouse_url(None, Path(sys.argv[1]))
with create_warehouse_engine(url).connect() as conn:
    pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    started = conn.execute(text("SELECT pg_postmaster_start_time()::text")).scalar()
    data_dir = conn.execute(text("SHOW data_directory")).scalar()
print(json.dumps({"url": url.render_as_string(), "started": started, "data_dir": data_dir}))
sys.stdout.flush()
sys.stdin.readline()  # hold the server until told to go, like a long-lived process
"""


def test_embedded_two_processes_share_one_server(pipeline_home: Path) -> None:
    if not pipeline_home.exists():
        pytest.skip("no embedded home")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(pipeline_home)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        seen = [json.loads(p.stdout.readline()) for p in procs]
    finally:
        for p in procs:
            p.communicate("\n", timeout=60)
    assert seen[0] == seen[1]
    assert seen[0]["data_dir"] == str(pipeline_home / "pg")
    assert "host=" in seen[0]["url"] and "@/" in seen[0]["url"]  # unix socket, no TCP
