"""The SNN on Lava, split by job: layout and timing conventions (``timing``), the replica-count
policy (``replicas``), the replicated network built from netx's layers (``network``), what a run
records (``recorder``), the counted graphs (``graphs``) and their one run loop (``run_loop``), the
RingBuffer readout (``ringbuffer``), one run (``runner``) and shards of runs (``shards``)."""

from ppf_neuro.deployment.backends.lava.mode import LavaResult, LavaSetup
from ppf_neuro.deployment.backends.lava.runner import run_on_lava
from ppf_neuro.deployment.backends.lava.shards import run_on_lava_sharded
from ppf_neuro.deployment.options import LavaMode  # (where it is defined: an option, not a backend part)

__all__ = ["LavaMode", "LavaResult", "LavaSetup", "run_on_lava", "run_on_lava_sharded"]
