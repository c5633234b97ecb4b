"""The long tests start first, on every xdist worker.

``--dist worksteal`` hands worker k the k-th contiguous slice of the collection,
then lets an idle worker steal the tail of the busiest one's queue. In collection
order the long tests (mypy, nginx, the fault and convergence runs, the process
pairs) fall wherever their file sorts, and one of them started in the last minute
leaves the other worker idle until it ends. Here the files below are dealt to the
slices by weight (the heaviest to the lightest slice so far) and put at the head of
each, so every long file starts within the first minutes and what is left to steal
at the end is short tests. A file moves whole: its module fixtures (a server pair,
the demo, a private PostgreSQL) are built once, as in collection order, and a
session fixture a file shares with its neighbours (SeaweedFS for the S3 cases) stays
on one worker.

The weights are seconds measured in a `make test` on the 2-core CI machine (rounded);
a file missing here is simply left in collection order. Only a run on several
workers is reordered: a run of a few files on one process keeps collection order."""
import os

# {file: seconds of its tests in one pass}, the heaviest first.
WEIGHTS = {
    # Both passes (or the SQLite one, for the files the PostgreSQL pass leaves out).
    "tests/integration/test_nginx.py": 60,
    "tests/unit/test_linters.py": 55,
    "tests/security/test_convergence_faults.py": 50,
    "tests/integration/test_thousand_sockets.py": 40,
    "tests/integration/test_convergence.py": 40,
    "tests/browser/test_wip_and_tasks.py": 35,
    "tests/integration/test_migrations.py": 30,
    "tests/browser/test_bulk.py": 28,
    "tests/integration/test_scaleout.py": 28,
    "tests/browser/test_my_work.py": 20,
    "tests/browser/test_review_flow.py": 20,
    "tests/integration/test_publish_due.py": 20,
    "tests/integration/test_openapi_statuses.py": 20,
    "tests/integration/test_board_log.py": 16,
    "tests/browser/test_one_socket.py": 15,
    "tests/browser/test_board.py": 15,
    "tests/security/test_schemathesis.py": 15,
    "tests/browser/test_mentions.py": 13,
    "tests/browser/test_search.py": 12,
    "tests/security/test_backup.py": 10,
    "tests/browser/test_live_cues.py": 10,
    "tests/browser/test_mobile_header.py": 10,
    "tests/integration/test_scheduler.py": 10,
    "tests/browser/test_accessibility.py": 10,
    "tests/browser/test_trash_undo.py": 9,
    "tests/integration/test_attachments.py": 9,
    "tests/integration/test_admin.py": 9,
    "tests/browser/test_board_reviews.py": 9,
    "tests/browser/test_calendar_days.py": 8,
    "tests/integration/test_demo.py": 8,
    "tests/browser/test_i18n_screens.py": 7,
}

# What weighs more on PostgreSQL (RELAIS_TEST_DB=postgresql, the integration pass):
# thousands of rows written and read back through the server.
POSTGRES_WEIGHTS = {
    "tests/integration/test_dashboard.py": 30,
    "tests/integration/test_board_log.py": 25,
    "tests/integration/test_reviews.py": 15,
    "tests/integration/test_query_counts.py": 12,
    "tests/integration/test_mail_volume.py": 12,
}


def weights():
    """The weights of the pass this process runs."""
    if os.environ.get("RELAIS_TEST_DB") == "postgresql":
        return {**WEIGHTS, **POSTGRES_WEIGHTS}
    return WEIGHTS


def _slices(count, workers):
    """The sizes of the slices xdist's worksteal scheduler first sends each worker."""
    sizes, left = [], count
    for i in range(workers):
        sizes.append(left // (workers - i))
        left -= sizes[-1]
    return sizes


# The browser tests share one served app per worker (tests/browser/conftest.py), whose
# Socket.IO server is the process-wide ``socketio`` that every app created later binds
# to itself: a browser test run after another test made an app finds its board offline.
# They stay together, in collection order, at the very head of the first slice, before
# any other app is made, as collection order has them; the rest of that slice follows
# them, so none is left at a tail for the other worker to steal.
BROWSER = "tests/browser/"
BROWSER_TEST_SECONDS = 3  # a browser test whose file is not listed


def reorder(items, workers):
    """``items`` in place: the browser tests first in the first of the ``workers``
    slices, each listed file's tests at the head of one slice (the lightest so far,
    heaviest file first), then the rest in collection order."""
    if workers < 2 or not items:
        return
    weight = weights()
    browser, files, rest = [], {}, []
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path.startswith(BROWSER):
            browser.append(item)
        elif path in weight:
            files.setdefault(path, []).append(item)
        else:
            rest.append(item)
    if not files:
        return
    sizes = _slices(len(items), workers)
    heads = [[] for _ in sizes]
    loads = [0] * len(sizes)
    heads[0].extend(browser)
    loads[0] = sum(weight.get(path, 0) for path in {i.nodeid.split("::", 1)[0] for i in browser}) + \
        BROWSER_TEST_SECONDS * sum(1 for i in browser if i.nodeid.split("::", 1)[0] not in weight)
    for path in sorted(files, key=lambda p: (-weight[p], p)):
        # The lightest slice that still has room for the whole file.
        room = [k for k in range(len(sizes)) if len(heads[k]) + len(files[path]) <= sizes[k]] or range(len(sizes))
        k = min(room, key=lambda k: (loads[k], k))
        heads[k].extend(files[path])
        loads[k] += weight[path]
    ordered, start = [], 0
    for head, size in zip(heads, sizes, strict=True):
        take = max(0, size - len(head))
        ordered += head + rest[start:start + take]
        start += take
    ordered += rest[start:]
    items[:] = ordered


def workers(config):
    """How many xdist workers run the session (1 outside xdist)."""
    workerinput = getattr(config, "workerinput", None)
    return int(workerinput.get("workercount", 1)) if workerinput else 1
