"""Building and starting external snakes: clear errors, and no process outlives the trainer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace

import pytest

from snaketrain.external.process import BuildError, Instances, StartError, build, group_pids

from .externalkit import ROOT, bad_spec, pids_alive


def test_instances_answer_and_stop_with_their_group(tmp_path):
    spec = bad_spec(tmp_path, "ok", instances=2)
    with Instances(spec, spec.config_path, tmp_path / "logs") as snake:
        groups = [item.proc.pid for item in snake.items]
        assert len(set(snake.urls())) == 2 and all(item.answers() for item in snake.items)
        assert all(group_pids(g) for g in groups)
    assert not any(group_pids(g) for g in groups)


def test_a_snake_that_never_becomes_ready(tmp_path):
    spec = bad_spec(tmp_path, "never", ready_timeout_s=1.0)
    snake = Instances(spec, spec.config_path, tmp_path / "logs")
    with pytest.raises(StartError, match=r"did not answer GET / .* within 1 s") as err:
        snake.start()
    assert "never listening" in str(err.value)  # its output is shown
    assert snake.items[0].proc is None  # stopped


def test_a_snake_that_exits_at_once(tmp_path):
    spec = replace(bad_spec(tmp_path, "ok"), start="echo no such flag --port {port}; exit 3")
    with pytest.raises(StartError, match=r"exited \(3\) before answering GET /") as err:
        Instances(spec, spec.config_path, tmp_path / "logs").start()
    assert "no such flag" in str(err.value)


def test_a_build_failure_carries_its_output(tmp_path):
    spec = replace(
        bad_spec(tmp_path, "ok"), build="echo compiling; echo 'main.go:3: oops' >&2; exit 2"
    )
    with pytest.raises(BuildError, match=r"failed \(exit 2\)") as err:
        build(spec, spec.config_path)
    assert "compiling" in str(err.value) and "main.go:3: oops" in str(err.value)
    ok = replace(spec, build="echo built $SNAKE_CONFIG")
    assert build(ok, spec.config_path).strip() == f"built {spec.config_path}"


TRAINER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path[:0] = [{root!r}, {tests!r}]
    from externalkit import bad_spec
    from snaketrain.external.process import Instances
    tmp = Path({tmp!r})
    spec = bad_spec(tmp, "ok", instances=2)
    snake = Instances(spec, spec.config_path, tmp / "logs").start()
    print(" ".join(str(i.proc.pid) for i in snake.items), flush=True)
    time.sleep(600)
    """
)


def test_kill_9_of_the_trainer_leaves_no_snake(tmp_path):
    code = TRAINER.format(root=str(ROOT), tests=str(ROOT / "tests" / "external"), tmp=str(tmp_path))
    trainer = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        groups = [int(p) for p in trainer.stdout.readline().split()]
        assert len(groups) == 2
        snakes = [pid for g in groups for pid in group_pids(g)]
        assert len(snakes) >= 4  # a supervisor and its snake per instance
        os.kill(trainer.pid, signal.SIGKILL)
        trainer.wait()
        deadline = time.monotonic() + 30  # the supervisors look every 0.2 s
        while pids_alive(snakes) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pids_alive(snakes) == []
    finally:
        trainer.kill()
        trainer.wait()


def test_a_killed_group_is_waited_for_and_zombies_do_not_count():
    from snaketrain.external.process import _wait_group_gone

    proc = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        assert group_pids(proc.pid) == [proc.pid]
        os.killpg(proc.pid, signal.SIGKILL)
        _wait_group_gone(proc.pid, timeout_s=30.0)
        assert not group_pids(proc.pid)  # dead, though not reaped yet (a zombie)
    finally:
        proc.kill()
        proc.wait()
