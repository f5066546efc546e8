"""The server path on PostgreSQL: `prefect server start` on a real PostgreSQL (Debian's
package, installed by scripts/postgres.sh when missing) and `snaketrain train
--settings-block` against it, one tiny iteration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from serverkit import postgres_cluster, prefect_server

from snaketrain.trainlog import TrainingLog

ROOT = Path(__file__).resolve().parents[2]
SAVE = (
    "from blocks.training import TrainingSettings; TrainingSettings(opponents=['random-safe'], "
    "size=7, shards=1, advisor='random', batch_pairs=4, max_pairs=8, remeasure_pairs=4, "
    "max_turns=120, batch_size=32).save('pg-tiny')"
)


def flow_runs_in(url: str) -> int:
    import asyncio

    import asyncpg

    async def count() -> int:
        con = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            return int(await con.fetchval("select count(*) from flow_run"))
        finally:
            await con.close()

    return asyncio.run(count())


@pytest.mark.slow
def test_training_on_a_postgresql_server_with_a_saved_block(tmp_path: Path, repo: Path) -> None:
    try:
        cluster = postgres_cluster(ROOT)
        url = cluster.__enter__()
    except (RuntimeError, subprocess.CalledProcessError) as err:
        pytest.skip(f"no PostgreSQL for the server-path test: {err}")
    try:
        with prefect_server(tmp_path, database_url=url) as env:
            subprocess.run([sys.executable, "-c", SAVE], env=env, cwd=ROOT, check=True)
            results = tmp_path / "results"
            done = subprocess.run(
                [sys.executable, "-m", "snaketrain", "train", "--settings-block", "pg-tiny"]
                + ["--max-iterations", "1", "--repo", str(repo), "--results", str(results)],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
            assert [e.iteration for e in TrainingLog(results / "training_log.jsonl").entries()] == [
                1
            ]
            assert (results / "run_parameters.json").exists()
            assert list((results / "prefect-results").iterdir())
            assert flow_runs_in(url) >= 2  # the server kept its runs in PostgreSQL
    finally:
        cluster.__exit__(None, None, None)
