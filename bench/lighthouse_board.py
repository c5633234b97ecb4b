"""Lighthouse's performance audit of the signed-in board: a board of N cards (200 by
default) served by gunicorn (scripts/serve.sh, one process), a person signed in with
requests, and Lighthouse (npm devDependency, `npm ci`) run with that session cookie
against the board page in Debian's chromium, offline, with its default mobile
throttling. Prints the performance score, CLS, LCP, TBT and what shifted.

    .venv/bin/python -m bench.lighthouse_board [--cards 200] [--runs 1] [--keep-json FILE]

Needs node, node_modules/lighthouse and CHROME_PATH (default /usr/bin/chromium)."""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.api_throughput import free_port, stop_server, wait_port  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
PASSWORD = "lighthouse-bench"


def seed_board(database_url, cards):
    """A group of ``cards`` cards (bench.board_load's seed); returns (group id, username)."""
    from bench.board_load import seed
    from workflow import create_app
    from workflow.extensions import db
    from workflow.services.accounts import hash_password

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, config_name="testing")
    with app.app_context():
        db.create_all()
        group, user = seed(cards)
        user.password_hash = hash_password(PASSWORD)
        db.session.commit()
        return group.id, user.username


def start(database_url, port):
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=uuid.uuid4().hex, RELAIS_ENV="development",
               WEB_WORKERS="1", WEB_THREADS="8", PORT=str(port), HOST="127.0.0.1", ACCESS_LOG="",
               RELAIS_SCHEDULER="0")
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen(["sh", "scripts/serve.sh"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    if not wait_port(port):
        stop_server(proc)
        raise RuntimeError("the server did not start")
    return proc


def session_cookie(base, username):
    import requests

    http = requests.Session()
    form = http.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = http.post(f"{base}/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                       timeout=30, allow_redirects=False)
    assert answer.status_code in (302, 303), f"sign-in failed: {answer.status_code}"
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def lighthouse(url, cookie, chrome=None):
    """Lighthouse's JSON report of ``url`` (performance only), with ``cookie`` sent."""
    with tempfile.TemporaryDirectory() as tmp:
        headers = Path(tmp) / "headers.json"
        headers.write_text(json.dumps({"Cookie": cookie}))
        out = Path(tmp) / "report.json"
        env = dict(os.environ, CHROME_PATH=chrome or os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
        command = ["node", str(LIGHTHOUSE), url, "--only-categories=performance", "--output=json",
                   f"--output-path={out}", f"--extra-headers={headers}", "--quiet",
                   "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
        if result.returncode or not out.exists():
            raise RuntimeError(f"lighthouse failed ({result.returncode}): {result.stderr[-2000:]}")
        return json.loads(out.read_text())


def figures(report):
    audits = report["audits"]
    return {
        "score": round(report["categories"]["performance"]["score"] * 100),
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
    }


def findings(report):
    """What Lighthouse would improve (audits under 0.9) and which elements shifted."""
    lines = []
    for key, audit in report["audits"].items():
        score = audit.get("score")
        if score is not None and score < 0.9 and audit.get("scoreDisplayMode") in ("numeric", "binary", "metricSavings"):
            lines.append(f"  {key}: {audit.get('displayValue', '')} (score {score})")
    for item in (report["audits"].get("layout-shifts", {}).get("details") or {}).get("items", []):
        node = item.get("node") or {}
        lines.append(f"  shift {item.get('score', 0):.3f}: {node.get('selector', node.get('snippet', '?'))}")
    return lines


def run(cards, runs, keep_json=None):
    tmp = Path(tempfile.mkdtemp())
    database_url = f"sqlite:///{tmp}/lighthouse.sqlite3"
    group_id, username = seed_board(database_url, cards)
    port = free_port()
    server = start(database_url, port)
    try:
        base = f"http://127.0.0.1:{port}"
        cookie = session_cookie(base, username)
        url = f"{base}/groups/{group_id}/board"
        results = []
        for _ in range(runs):
            started = time.monotonic()
            report = lighthouse(url, cookie)
            results.append((figures(report), time.monotonic() - started, report))
        if keep_json:
            Path(keep_json).write_text(json.dumps(results[-1][2]))
        return results
    finally:
        stop_server(server)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=200)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--keep-json", default=None, help="write the last Lighthouse report there")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} CPU(s); load average "
          + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    results = run(args.cards, args.runs, args.keep_json)
    print(f"{'cards':>6} {'score':>6} {'CLS':>7} {'LCP ms':>8} {'TBT ms':>8} {'FCP ms':>8} {'run s':>6}")
    for fig, seconds, _ in results:
        print(f"{args.cards:>6} {fig['score']:>6} {fig['cls']:>7.3f} {fig['lcp_ms']:>8.0f} {fig['tbt_ms']:>8.0f} "
              f"{fig['fcp_ms']:>8.0f} {seconds:>6.1f}")
    if len(results) > 1:
        print(f"median score {statistics.median(f['score'] for f, _, _ in results)}")
    print("\n".join(findings(results[-1][2])))


if __name__ == "__main__":
    main()
