"""Child processes and signals: what Ctrl-C, SIGTERM and SIGKILL do to a command, in one place.

The rules, each kept by one module:

1. **A signal unwinds the command** (:mod:`~ppf_neuro.processes.interrupts`): SIGINT and SIGTERM
   raise ``KeyboardInterrupt`` in the main thread, so every ``finally`` runs (Lava stopped,
   staging files removed); the signal stays noted and every progress step raises it again if a
   library swallowed it. Exit status 130. A SIGINT ignored when the process started (``nohup``, a
   background job) stays ignored.
2. **A Lava run is out of the terminal's reach** (:mod:`~ppf_neuro.processes.isolated`): it runs in
   a forked child leading its own process group, so a terminal's group-wide SIGINT reaches only the
   command, which asks the child to stop (SIGTERM, noted; its run loop stops Lava between two
   ``run`` calls) and kills its group after ``STOP_TIMEOUT_S``. From the fork to the stop the
   command's own signals are held, then acted on.
3. **Independent tasks run in a pool** (:mod:`~ppf_neuro.processes.pools`): local workers (at most
   the tasks and the cores, a note when bounded) or Ray tasks; an interrupted pool lets each worker
   unwind its task, then ends.
4. **Nothing outlives a killed command** (:mod:`~ppf_neuro.processes.orphans`): pool workers get a
   parent-death signal from the kernel; a Lava run's group leader watches its parent and kills its
   group when the parent is gone (SIGKILL included).
"""
