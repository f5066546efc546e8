"""Whether this process is exiting, for work running in threads that outlive its main thread.

A Prefect flow run stopped by SIGTERM ends its main thread, and the interpreter then joins the
threads left, its task threads among them: games being played there would hold the process
until they finish (the runner kills it 30 s later). Work that checks :func:`exiting` ends
instead, by :class:`ExitingError`.
"""

from __future__ import annotations

import threading


class ExitingError(RuntimeError):
    """Work was asked of a process that is exiting."""


def exiting() -> bool:
    """This process's main thread has ended: the interpreter is joining the threads left."""
    return not threading.main_thread().is_alive()
