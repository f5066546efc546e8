"""Remote shards: one long-lived flow run per benchmark deployment plays every shard the
trainer sends it, through a queue in the shared results folder
(``snaketrain.training.shardqueue``).

A fresh flow run per shard costs 20-27 s (the worker's polling, a new Python process, the
imports) for 3-12 s of play. Here the trainer starts one flow run of each deployment it uses
(named ``shards-<queue>``), the first time it sends that deployment a shard, and keeps it:
each shard is then a file written and a file read back. The flow run ends when the trainer
stops the queue (at exit), when no shard came for ``IDLE_S`` seconds, or when its worker is
gone; the trainer starts a new one when it finds its flow run ended with shards unplayed
(claims of a dead server are put back first).
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import uuid
from dataclasses import dataclass
from uuid import UUID

from snaketrain.arena.result import MatchResult
from snaketrain.arena.shutdown import ExitingError, exiting
from snaketrain.training import ShardSpec
from snaketrain.training.shardqueue import ShardQueue

#: Seconds a shard server waits for the next shard before its flow run ends.
IDLE_S = 120.0
#: Seconds between the trainer's looks for a shard's result.
POLL_S = 0.02
#: Seconds between the trainer's checks that the server's flow run still runs.
CHECK_S = 2.0


@dataclass
class _Server:
    queue: ShardQueue
    flow_run_id: UUID


class RemoteShards:
    """The trainer's shard servers, one per (deployment, results folder); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._servers: dict[tuple[str, str], _Server] = {}
        self._stops_at_exit = False

    def play(self, deployment: str, spec: ShardSpec, results_dir: str) -> MatchResult:
        """The shard's result, played by the deployment's server (started if need be)."""
        server = self._server(deployment, results_dir, None)
        done = server.queue.result(spec)
        if done is not None:
            return done
        server.queue.put(spec)
        checked = time.monotonic()
        while (done := server.queue.result(spec)) is None:
            if exiting():  # a stopped flow run: its task threads must end
                raise ExitingError(f"this process is exiting: shard {spec.key} not awaited")
            time.sleep(POLL_S)
            if time.monotonic() - checked > CHECK_S:
                checked = time.monotonic()
                if _ended(server.flow_run_id):
                    server = self._server(deployment, results_dir, server)
                    server.queue.put(spec)
        return done

    def _server(self, deployment: str, results_dir: str, ended: _Server | None) -> _Server:
        with self._lock:
            key = (deployment, results_dir)
            server = self._servers.get(key)
            if server is not None and server is not ended:
                return server  # another thread replaced it already, or it runs
            if server is None:
                name = f"{deployment.replace('/', '-')}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
                queue = ShardQueue.of(results_dir, name)
            else:
                queue = server.queue
                queue.release()
            server = _Server(queue, _start(deployment, queue))
            self._servers[key] = server
            if not self._stops_at_exit:
                atexit.register(self.stop)
                self._stops_at_exit = True
            return server

    def stop(self) -> None:
        """Tell every server to end (their flow runs complete)."""
        with self._lock:
            for server in self._servers.values():
                server.queue.stop()
            self._servers.clear()


def _start(deployment: str, queue: ShardQueue) -> UUID:
    from prefect.deployments import run_deployment

    run = run_deployment(
        deployment,
        parameters={"spec": None, "results_dir": str(queue.results_dir), "queue": queue.name},
        timeout=0,
        as_subflow=False,
    )
    return run.id


def _ended(flow_run_id: UUID) -> bool:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(flow_run_id).state
    return state is not None and state.is_final()


#: The trainer process's servers.
servers = RemoteShards()
