"""The sample nginx configuration (docs/nginx.conf) works: scripts/check_nginx.py
runs nginx with it in front of two processes sharing Redis, and a Socket.IO
client connects through it, upgrades to a websocket and receives a move; the board
comes gzip-compressed through it and is still a 304 when unchanged."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.redis
def test_socket_connects_and_receives_a_move_through_the_sample_nginx_config():
    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        # .ci/run installs nginx, so under RELAIS_REQUIRE_SERVICES=1 a missing one fails.
        skip_or_fail("nginx is not installed (apt-get install nginx)")
    if not os.environ.get("REDIS_URL"):
        skip_or_fail("REDIS_URL is not set")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run([sys.executable, "scripts/check_nginx.py"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "nginx OK" in result.stdout and "(websocket)" in result.stdout
    assert "board compressed" in result.stdout and "static files gzipped" in result.stdout
