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
    assert 1 <= free <= max(1, threads.usable_cores() - 1)  # other tests' workers may take more


def test_this_process_does_not_count_against_itself():
    """Our own threads are busy during a training epoch: they must not make the cores look taken.

    Windows with a spinning thread of ours and without it alternate. Other processes' load (the
    other test worker's) moves from one window to the next, so one pair in five has to show less than
    half of what our thread used: where the cores have room, the spinner's window shows no more than
    the other (``without + own/2``); where they are all busy (a loaded machine), the others yield our
    thread a share, which the spinner's window must show as free (``cores - own/2``). Without the
    subtraction every pair shows our thread's share in both cases."""
    spinning, done = threading.Event(), threading.Event()

    def spin():
        while not done.is_set():
            if spinning.wait(0.01):
                while spinning.is_set():
                    pass

    spinner = threading.Thread(target=spin)
    spinner.start()
    pairs, informative = [], 0
    cores = threads.usable_cores()
    try:
        for _ in range(5):
            spinning.set()
            own = time.process_time()
            with_spinner = threads.cores_busy_elsewhere(0.3)
            own_share = (time.process_time() - own) / 0.3
            spinning.clear()
            without = threads.cores_busy_elsewhere(0.3)
            pairs.append((round(with_spinner, 2), round(without, 2), round(own_share, 2)))
            if own_share < 0.2:
                continue  # our thread barely ran: nothing to see
            informative += 1
            if with_spinner < min(without + own_share / 2, cores - own_share / 2):
                return
    finally:
        spinning.clear()
        done.set()
        spinner.join()
    if not informative:
        pytest.skip(f"our thread never got a fifth of a core (with it, without it, its share): {pairs}")
    pytest.fail(f"our own thread counted as load elsewhere (with it, without it, its share): {pairs}")


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
