"""llm: one LLM proposal per due iteration, cached by the iteration's inputs (a resumed
iteration does not ask the model again); nothing valid: no proposal, and the slot falls back."""

from __future__ import annotations

from pathlib import Path

import pytest
from llmkit import tiny_llama
from prefect import flow
from taskkit import tiny_settings, verdict

from snaketrain import training
from snaketrain.learn import llm
from snaketrain.learn.history import attempts_of
from snaketrain.snake.space import default_config
from snaketrain.tuning.advisor import Proposal
from tasks.llm import llm_advise, llm_slot

CAUSES = {"survived": 3, "wall-collision": 1}


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(llm, "MAX_NEW_TOKENS", 24)  # a random model never closes the list
    return str(tiny_llama())


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The model's answers are taken from this list (its calls counted by what is left)."""
    queue: list[str] = []

    def generate(_loaded: llm.LoadedModel, _system: str, _prompt: str, _seed: int) -> str:
        return queue.pop(0)

    monkeypatch.setattr(llm, "generate", generate)
    return queue


@flow
def slot(
    iteration: int, model: str, results: str, every: int = 1, attempts: tuple = ()
) -> list[Proposal]:
    begin = training.start(iteration, 0, default_config(), [], attempts)
    settings = tiny_settings(advisor="spsa", use_llm=True, llm_model=model, llm_every=every)
    return llm_slot(begin, settings, CAUSES, results)


def test_a_valid_answer_is_the_slot_and_a_rerun_takes_it_from_the_cache(
    prefect_storage: Path, tiny: str, answers: list[str], tmp_path: Path
) -> None:
    answers += ['[{"key": "weights.space", "value": 30, "reason": "room"}]', "unused"]
    [p] = slot(1, tiny, str(tmp_path))
    assert p.advisor == "llm" and p.changes == (("weights.space", 20.0, 30.0),)
    assert slot(1, tiny, str(tmp_path)) == [p]
    assert answers == ["unused"]  # the resumed iteration did not call the model
    assert slot(2, tiny, str(tmp_path)) == [] and answers == []  # prose: the slot falls back


def test_a_repeat_of_a_rejected_change_is_dropped(
    prefect_storage: Path, tiny: str, answers: list[str], tmp_path: Path
) -> None:
    """The change history binds the LLM too: its repeat of iteration 1's rejected change is
    not proposed in iteration 2."""
    answers += ['[{"key": "weights.space", "value": 30, "reason": "room"}]'] * 2
    [p] = slot(1, tiny, str(tmp_path))
    rejected = attempts_of(1, [p], [verdict("reject", -3.0)])
    assert slot(2, tiny, str(tmp_path), attempts=tuple(rejected)) == []


def test_not_due_or_not_asked_for_calls_no_model(answers: list[str]) -> None:
    begin = training.start(3, 0, default_config(), [])
    assert llm_slot(begin, tiny_settings(), CAUSES, "unused") == []
    assert llm_slot(begin, tiny_settings(use_llm=True, llm_every=2), CAUSES, "unused") == []


def test_the_key_changes_with_every_prompt_input() -> None:
    begin = training.start(1, 0, default_config(), [])
    base = {"begin": begin, "history": ["a"], "patterns": ["b"], "causes": CAUSES,
            "model": None, "device": "cpu", "fallback": "spsa"}  # fmt: skip

    def key(**over: object) -> str:
        return llm_advise.cache_key_fn(None, base | over)  # type: ignore[misc]

    first = key()
    assert key(fallback="random") == first  # only names the fallback in the log
    others = [
        key(begin=training.start(2, 0, default_config(), [])),
        key(history=["a", "c"]),
        key(patterns=[]),
        key(causes={"survived": 4}),
        key(model="other"),
        key(device="cuda"),
    ]
    assert len({first, *others}) == 7
