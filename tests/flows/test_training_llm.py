"""The training DAG with the LLM advisor: its valid proposal takes the iteration's one slot
(instead of the main advisor's) and is logged as the llm's; nothing valid: the main advisor
proposes, as without it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llmkit import tiny_llama
from taskkit import tiny_settings

from blocks.training import GitTarget
from snaketrain.learn import llm


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(llm, "MAX_NEW_TOKENS", 24)  # a random model never closes the list
    return str(tiny_llama())


def iterate(repo: Path, results: Path, model: str, answer: str, mp: pytest.MonkeyPatch) -> dict:
    from flows.training import training_iteration

    mp.setattr(llm, "generate", lambda *_args: answer)
    settings = tiny_settings(use_llm=True, llm_model=model, llm_every=1)
    training_iteration(1, settings, GitTarget(repo_path=str(repo)), str(results))
    [line] = (results / "training_log.jsonl").read_text().splitlines()
    return json.loads(line)


def test_the_llm_proposal_is_the_iterations_candidate(
    prefect_storage: Path, repo: Path, tmp_path: Path, tiny: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = '[{"key": "weights.food", "value": 20, "reason": "eat"}]'
    entry = iterate(repo, tmp_path / "results", tiny, answer, monkeypatch)
    assert entry["advisor"] == "llm"
    assert entry["changes"] == [{"key": "weights.food", "old": 12.0, "new": 20.0}]


def test_nothing_valid_falls_back_to_the_main_advisor(
    prefect_storage: Path, repo: Path, tmp_path: Path, tiny: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = iterate(repo, tmp_path / "results", tiny, "no idea", monkeypatch)
    assert entry["advisor"] == "random" and entry["changes"]
