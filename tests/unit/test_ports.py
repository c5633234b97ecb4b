"""The ports the tests' server processes listen on (bench/ports.py): each xdist worker
draws from a slice of its own, and a process never hands out a port twice — so the
clients of a server a test killed, still retrying its port, never reach a server
another test starts later."""
from bench import ports


def test_each_worker_draws_from_its_own_slice_below_the_ephemeral_range():
    slices = [ports.port_range(3, {"PYTEST_XDIST_WORKER": f"gw{i}", "PYTEST_XDIST_WORKER_COUNT": "3"})
              for i in range(3)]
    for (low, high), (next_low, _) in zip(slices, slices[1:], strict=False):
        assert low < high and high + 3 <= next_low  # a block of 3 never reaches the next slice
    assert slices[0][0] >= 10000 and slices[-1][1] + 3 <= ports._ephemeral_start()
    assert ports.port_range(1, {})[0] == slices[0][0]  # alone: the whole range


def test_no_port_is_handed_out_twice_by_one_process():
    given = [ports.free_ports(2) for _ in range(300)]
    blocks = [p + i for p in given for i in range(2)]
    assert len(blocks) == len(set(blocks))
