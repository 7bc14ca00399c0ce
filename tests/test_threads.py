"""Torch's thread count follows the cores other processes leave free (ppf_neuro.threads)."""

import subprocess
import sys
import threading
import time

import pytest
import torch

from ppf_neuro import threads
from ppf_neuro.errors import PPFError


@pytest.fixture
def restore_threads(monkeypatch):
    for name in ("PPF_NEURO_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_a_competing_process_takes_a_core():
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        elsewhere = threads.cores_busy_elsewhere(0.3)
        free = threads.free_cores(0.3)
    finally:
        busy.kill()
        busy.wait()
    assert elsewhere > 0.6
    assert free == max(1, threads.usable_cores() - 1)


def test_this_process_does_not_count_against_itself():
    """Our own threads are busy during a training epoch: they must not make the cores look taken."""
    done = threading.Event()

    def spin():
        while not done.is_set():
            pass

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        own_load_seen = threads.cores_busy_elsewhere(0.3)
    finally:
        done.set()
        spinner.join()
    baseline = threads.cores_busy_elsewhere(0.3)
    assert own_load_seen < baseline + 0.5


def test_the_users_choice_is_kept(monkeypatch, restore_threads):
    monkeypatch.setenv("PPF_NEURO_THREADS", "1")
    torch.set_num_threads(2)
    assert threads.fit_threads() == 1 == torch.get_num_threads()
    monkeypatch.delenv("PPF_NEURO_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.setattr(threads, "free_cores", lambda: 1)
    torch.set_num_threads(2)
    assert threads.fit_threads() == 2  # one core free, but the user said 2
    monkeypatch.delenv("OMP_NUM_THREADS")
    monkeypatch.setenv("PPF_NEURO_THREADS", "two")
    with pytest.raises(PPFError, match="PPF_NEURO_THREADS='two'"):
        threads.fit_threads()


def test_fitting_sets_torch(monkeypatch, restore_threads):
    monkeypatch.setattr(threads, "free_cores", lambda: 1)
    torch.set_num_threads(2)
    assert threads.fit_threads() == 1 == torch.get_num_threads()
