"""Screenshots of what a user sees in the Prefect UI after a few training iterations.

    python benchmarks/ui.py [--out ui-shots] [--iterations 3] [--chromium chromium]

Starts `prefect server start` (UI on) on a free loopback port with a scratch PREFECT_HOME,
trains a weak 7x7 snake for a few tiny iterations against it (the first candidate proposed is
the default config, so iteration 1 commits; later ones propose at random), then takes
headless Chromium screenshots of the flow runs list, an iteration's run page and the keyed
artifacts into ``--out``. Needs Debian's `chromium` package.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from remote_shards import free_port  # noqa: E402

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]

DRIVER = r"""
import json, sys
if __name__ == "__main__":
    from snaketrain import ContinuousTrainer, training
    from snaketrain.snake.space import default_config
    from snaketrain.tuning.advisor import Proposal

    propose = training.propose

    def first_the_default(begin, k, limit):
        if begin.best != default_config():
            return [Proposal.between(begin.best, default_config(), "random", "the default")]
        return propose(begin, k, limit)

    training.propose = first_the_default
    ContinuousTrainer(**json.loads(sys.argv[1])).train()
"""


def api(base: str, path: str, body: dict) -> list[dict]:
    request = urllib.request.Request(
        f"{base}/api{path}", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


def shoot(chromium: str, url: str, png: Path, profile: Path, height: int = 1000) -> None:
    subprocess.run(
        [
            chromium,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size=1440,{height}",
            "--virtual-time-budget=20000",
            f"--screenshot={png}",
            url,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    print(f"{png}: {url}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("ui-shots"))
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--chromium", default="chromium")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from taskkit import weak_config

    from snaketrain.snake.space import dump_config

    work = Path(tempfile.mkdtemp(prefix="snaketrain-ui-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "PREFECT_HOME": str(work / "prefect-home"),
        "PREFECT_API_URL": f"{base}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],  # fmt: skip
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        repo = work / "snake"
        repo.mkdir()
        git = ["git", "-C", str(repo), "-c", "user.name=Dev", "-c", "user.email=dev@x.org"]
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
        (repo / "config.yaml").write_text(dump_config(weak_config()), encoding="utf-8")
        subprocess.run([*git, "add", "config.yaml"], check=True)
        subprocess.run([*git, "commit", "-qm", "a weak snake"], check=True)
        trainer = {
            "max_iterations": args.iterations,
            "opponents": ["random-safe"],
            "size": 7,
            "repo_path": str(repo),
            "results_dir": str(work / "results"),
            "extra": {
                "advisor": "random",
                "sprt_elo0": 0.0,
                "sprt_elo1": 100.0,
                "batch_pairs": 8,
                "max_pairs": 32,
                "remeasure_pairs": 16,
                "max_turns": 150,
                "batch_size": 64,
            },
        }
        t0 = time.monotonic()
        subprocess.run(
            [sys.executable, "-c", DRIVER, json.dumps(trainer)],
            env=env,
            cwd=work,
            check=True,
            timeout=1200,
        )
        print(f"trained {args.iterations} iterations in {time.monotonic() - t0:.0f} s")
        runs = api(base, "/flow_runs/filter", {"sort": "START_TIME_ASC"})
        first = next(r for r in runs if r["name"] == "iteration-0001")
        args.out.mkdir(parents=True, exist_ok=True)
        profile = work / "chromium"
        shoot(args.chromium, f"{base}/runs", args.out / "runs.png", profile)
        shoot(args.chromium, f"{base}/runs/flow-run/{first['id']}", args.out / "iteration.png",
              profile)  # fmt: skip
        shoot(
            args.chromium,
            f"{base}/runs/flow-run/{first['id']}?tab=Artifacts",
            args.out / "iteration-artifacts.png",
            profile,
        )
        shoot(args.chromium, f"{base}/artifacts", args.out / "artifacts.png", profile)
        for key in ("iteration-report", "training-log", "status-plot"):
            shoot(args.chromium, f"{base}/artifacts/key/{key}", args.out / f"{key}.png",
                  profile, 1400)  # fmt: skip
        print("flow runs:", ", ".join(sorted(r["name"] for r in runs)))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
