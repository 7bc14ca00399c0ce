"""The suite's replay of identical Lava runs (``conftest.replaying``, for tests whose subject is not the Lava
run) replays only what is identical: the same file bytes, input array and mode; anything else runs."""

from types import SimpleNamespace

import numpy as np
from conftest import replaying

from ppf_neuro.deployment.options import LavaMode


def test_only_identical_runs_are_replayed(tmp_path):
    runs = []
    replayed = replaying(lambda *args: runs.append(args) or len(runs), {})
    net = tmp_path / "net.h5"
    net.write_bytes(b"one")
    spikes = np.zeros((2, 3, 4), np.int8)

    def run(spikes=spikes, mode=LavaMode(), recordings=None):
        return replayed(SimpleNamespace(path=net), spikes, mode, False, recordings)

    assert run() == run(spikes.copy()) == 1  # the same file, array and mode: one run
    assert run(spikes + 1) == 2  # another input
    assert run(spikes.astype(np.int32)) == 3  # the same values in another type
    assert run(mode=LavaMode(replicas=1)) == 4  # another mode
    assert run(recordings=tmp_path) == 5  # recording to files: always run
    net.write_bytes(b"two")
    assert run() == 6  # the file changed
    assert len(runs) == 6
