"""learn tasks: the history every advisor obeys, the NN's fit (once per iteration) and its
slot; record writes every candidate's attempt and the per-advisor table; report shows the
change history."""

from __future__ import annotations

import json
from pathlib import Path

from learnkit import synthetic
from prefect import flow
from taskkit import artifacts, flow_run_id, strength, tiny_settings, verdict, weak_config

from snaketrain import training
from snaketrain.learn import surrogate
from snaketrain.learn.history import ATTEMPTS_NAME, Attempt, AttemptFile, attempts_of, steps_of
from snaketrain.snake.space import default_config
from snaketrain.trainlog import LOG_NAME
from snaketrain.tuning.advisor import Proposal
from tasks.advise import advise
from tasks.learn import attempt_file, fit, propose
from tasks.record import record, report

BEST = default_config()


def rejected_start(iteration: int, proposal: Proposal) -> training.IterationStart:
    bad = Attempt(
        iteration - 1, "random", "", steps_of(proposal.changes), "reject", -9, -30, 12, 64
    )
    return training.start(iteration, 0, BEST, [], [bad])


def test_advise_draws_again_instead_of_repeating_a_rejected_change() -> None:
    fresh = training.start(4, 0, BEST, [])
    [first] = advise.fn(fresh, 1, 100)
    again = rejected_start(4, first)
    [other] = advise.fn(again, 1, 100)
    assert other.config != first.config
    assert "drawn again: the first draw repeats the change rejected in iteration 3" in other.reason
    assert advise.fn(again, 1, 100, window=1, tolerance=0.05) == [other]


def test_fit_trains_once_per_iteration_and_propose_takes_one_slot(tmp_path: Path) -> None:
    assert fit.fn(str(tmp_path), 1, 0, "cpu") is None  # nothing measured yet
    AttemptFile(tmp_path / ATTEMPTS_NAME).append(synthetic(12, seed=1))
    fitted = fit.fn(str(tmp_path), 2, 0, "cpu")
    assert fitted is not None and fitted.trained_iteration == 2 and fitted.points == 12
    stamp = (tmp_path / surrogate.WEIGHTS_NAME).stat().st_mtime_ns
    assert fit.fn(str(tmp_path), 2, 0, "cpu") == fitted  # the re-run: loaded, not retrained
    assert (tmp_path / surrogate.WEIGHTS_NAME).stat().st_mtime_ns == stamp

    start = training.start(2, 0, BEST, [])
    main = advise.fn(start, 2, 100)
    out = propose.fn(start, main, fitted, 2, 100, 20, 0.05, str(tmp_path), "cpu")
    assert [p.advisor for p in out] == ["random", "nn"] and out[0] == main[0]
    assert out[1].reason.startswith("nn: predicted") and out[1].config not in {
        p.config for p in main
    }
    [alone] = propose.fn(start, main[:1], fitted, 1, 100, 20, 0.05, str(tmp_path), "cpu")
    assert alone.advisor == "nn"  # k = 1: the NN's slot on even iterations


@flow
def record_all(results: str, begin: training.IterationStart, proposals: list[Proposal]) -> None:
    verdicts = [verdict("reject", -3.0), verdict("accept", 3.0)]
    s = strength(begin.best, 0.5)
    log = str(Path(results) / LOG_NAME)
    record(log, begin, proposals[1], verdicts[1], s, s, 1.0, 100, proposals, verdicts)
    report(begin.iteration, proposals, verdicts, 1, s, s, ["baseline"], None, begin, 20)


def test_record_writes_every_candidate_and_the_advisor_table(
    prefect_storage: Path, tmp_path: Path
) -> None:
    results = tmp_path / "results"
    old = Proposal.between(BEST, weak_config(), "random", "an older try")
    begin = rejected_start(2, old)
    proposals = [
        Proposal.between(BEST, weak_config().replace({"search.depth": 0}), "spsa", "tuned"),
        Proposal.between(BEST, BEST.replace({"search.depth": 0}), "nn", "screened"),
    ]
    state = record_all(str(results), begin, proposals, return_state=True)
    written = attempt_file(results).read()
    assert [(a.iteration, a.advisor, a.verdict) for a in written] == [
        (2, "spsa", "reject"),
        (2, "nn", "accept"),
    ]
    assert written == attempts_of(2, proposals, [verdict("reject", -3.0), verdict("accept", 3.0)])
    made = artifacts(flow_run_id(state))
    rows = {r["advisor"]: r for r in json.loads(made["advisors"])}
    assert (rows["nn"]["tried"], rows["nn"]["accepted"], rows["spsa"]["accepted"]) == (1, 1, 0)
    assert set(rows) == {"spsa", "nn"}
    text = made["iteration-report"]
    assert "| spsa |" in text and "| nn |" in text
    assert "- iteration 1: " in text and "recently tried: " in text
    assert tiny_settings(use_neural_net=True).use_neural_net
