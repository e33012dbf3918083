"""The invariants the lab teaches, with every feature mixed: random sequences of fail / repair /
isolate / partition / power off / power on / maintenance enter and exit / guest hang / FT logging
cut / vMotion / migrate_many on tight clusters and on the example cluster with HA and FT.

CHAOS_SEQUENCES sets how many (default 2,000 here; `make chaos` runs many more and prints the
counts). A failure names the seed, so `one_run(seed)` reproduces it.
"""

from __future__ import annotations

import os
import time

from invariants import one_run

SEQUENCES = int(os.environ.get("CHAOS_SEQUENCES", "2000"))
BIG_EVERY = 20  # one sequence in 20 runs on the 16-host example cluster


def test_random_mixed_sequences_keep_every_invariant():
    start = time.perf_counter()
    failures = []
    actions = refused = 0
    for seed in range(SEQUENCES):
        run, found = one_run(seed, big=seed % BIG_EVERY == 0)
        actions += len(run.actions)
        refused += run.refused
        if found:
            failures.append(f"seed {seed} ({', '.join(run.actions)}): {found[:3]}")
    took = time.perf_counter() - start
    print(
        f"\nchaos: {SEQUENCES} sequences, {actions} actions run, {refused} refused at the call, "
        f"{len(failures)} with a violation, {took:.1f} s"
    )
    assert not failures, "\n".join(failures[:10])
