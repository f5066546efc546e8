"""``python -m snaketrain.external.supervise PARENT -- COMMAND``: run a snake, die with the trainer.

The trainer starts this small process as the leader of a new process group; it runs COMMAND (a
shell command line) in that group and waits. When the trainer dies, even by kill -9, this
process is re-parented: it sees ``os.getppid()`` change (checked every ``WATCH_S`` s, and at
once on start, as ``arena.pool`` workers do) and ends the whole group: SIGTERM, then SIGKILL
after ``GRACE_S`` s. SIGTERM to the group (the trainer's ``Instance.stop``) ends it the same
way. Its exit status is COMMAND's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

WATCH_S = 0.2
GRACE_S = 2.0


def end_group(child: subprocess.Popen[bytes]) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    group = os.getpgrp()
    os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    while child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(group, signal.SIGKILL)  # the snake's own children too; ends this process


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(
            "usage: python -m snaketrain.external.supervise PARENT_PID -- COMMAND", file=sys.stderr
        )
        return 2
    parent = int(argv[0])
    if os.getppid() != parent:
        return 1  # the trainer died before we started
    child = subprocess.Popen(" ".join(argv[2:]), shell=True)
    signal.signal(signal.SIGTERM, lambda *_: end_group(child))
    while True:
        code = child.poll()
        if code is not None:
            return code
        if os.getppid() != parent:
            end_group(child)
        time.sleep(WATCH_S)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
