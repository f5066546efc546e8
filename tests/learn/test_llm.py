"""The LLM advisor end to end: models found locally or refused in one line, loaded once per
process, asked with the prompt and answered deterministically; whatever a real model says,
the advice is a valid proposal or none (the slot falls back)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from llmkit import tiny_llama

from snaketrain.learn import llm
from snaketrain.snake.space import default_config, parse_config
from snaketrain.tuning.advisor import Proposal

BEST = default_config()
HISTORY = ["iteration 3 (spsa): weights.space 20->22 (up): reject, Elo -4 [-20, +12], 96 games"]
PATTERNS = ["traps.critical ~600 in wins"]
CAUSES = {"survived": 6, "wall-collision": 3, "head-collision": 1}


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(llm, "MAX_NEW_TOKENS", 24)  # a random model never closes the list
    return tiny_llama()


def ask(model: str | None, seed: int = 7) -> llm.LlmAdvice:
    return llm.llm_advice(BEST, HISTORY, PATTERNS, "flat", CAUSES, seed, model)


def test_models_are_found_locally(tiny: Path, tmp_path: Path) -> None:
    default = llm.resolve_model(None)
    assert default.gguf_file == llm.DEFAULT_GGUF
    assert (Path(default.path) / default.gguf_file).is_file()
    assert llm.resolve_model(str(tiny)) == llm.ModelSource(str(tiny), None, str(tiny))
    gguf = Path(default.path) / llm.DEFAULT_GGUF
    assert llm.resolve_model(str(gguf)) == llm.ModelSource(
        default.path, llm.DEFAULT_GGUF, str(gguf)
    )
    (tmp_path / "empty").mkdir()
    with pytest.raises(llm.LlmModelError, match="no config.json and no .gguf files"):
        llm.resolve_model(str(tmp_path / "empty"))


@pytest.mark.parametrize("name", ["./no/such-model", "nobody-here/no-such-model-xyz"])
def test_a_missing_model_is_refused_in_one_line_without_downloading(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))  # an empty cache
    with pytest.raises(llm.LlmModelError) as err:
        llm.resolve_model(name)
    message = str(err.value)
    assert "\n" not in message
    assert f"--llm-model {name!r}: no such file or folder" in message
    assert "local Hugging Face cache" in message
    assert not (tmp_path / "hub").exists() or not any((tmp_path / "hub").rglob("*.json"))


def test_a_tiny_real_model_answers_deterministically_and_loads_once(tiny: Path) -> None:
    first = ask(str(tiny))
    loaded = llm.load_model(str(tiny))
    again = ask(str(tiny))
    assert llm.load_model(str(tiny)) is loaded  # cached by (model, device): loaded once
    assert loaded.load_s > 0 and first.call_s > 0
    assert isinstance(first.answer, str) and first.answer == again.answer
    assert first.proposal == again.proposal and first.dropped == again.dropped
    if first.proposal is None:  # random weights: nothing valid, the slot falls back
        assert first.dropped
    else:
        parse_config(first.proposal.config.as_nested())
        assert first.proposal.advisor == "llm" and first.proposal.config != BEST
    assert first.summary().startswith(f"llm ({first.call_s:.1f} s): kept ")


def test_the_prompt_reaches_the_model_and_its_answer_becomes_one_proposal() -> None:
    seen: list[tuple[str, str, int]] = []

    def model(system: str, prompt: str, seed: int) -> str:
        seen.append((system, prompt, seed))
        return '```json\n[{"key": "weights.food", "value": 15, "reason": "eat more"},\n' \
            '{"key": "weights.nope", "value": 1}]\n```'  # fmt: skip

    advice = llm.llm_advice(BEST, HISTORY, PATTERNS, "up", CAUSES, 3, generate_fn=model)
    [(system, prompt, seed)] = seen
    assert seed == 3 and "JSON" in system
    for needle in (HISTORY[0], PATTERNS[0], "wall-collision 3", "weights.food = 12.0"):
        assert needle in prompt
    assert advice.proposal is not None
    assert advice.proposal.changes == (("weights.food", 12.0, 15.0),)
    assert advice.proposal.reason == "weights.food: eat more"
    assert advice.dropped == ('"weights.nope" is not a parameter',)


def test_nothing_valid_gives_no_proposal() -> None:
    advice = llm.advice_from_answer(BEST, "I cannot help with that.")
    assert advice.proposal is None and advice.dropped


def test_the_llm_takes_one_slot() -> None:
    def prop(value: float, who: str) -> Proposal:
        return Proposal.between(BEST, BEST.replace({"weights.space": value}), who, "")

    a, b, c = prop(1, "spsa"), prop(2, "random"), prop(3, "llm")
    assert llm.with_llm_slot([a], [c], 1) == [c]  # one slot: in place of the advisor's
    assert llm.with_llm_slot([a], [c], 2) == [a, c]  # a free slot
    assert llm.with_llm_slot([a, b], [c], 2) == [a, c]
    assert llm.with_llm_slot([], [c], 1) == [c]
    assert llm.with_llm_slot([a, b], [], 2) == [a, b]  # fallback: the advisor's proposals
    assert llm.with_llm_slot([a], [prop(1, "llm")], 1) == [a]  # the same config adds nothing
    assert [llm.llm_due(i, 3) for i in range(1, 7)] == [False, False, True, False, False, True]


@pytest.mark.slow
def test_the_offline_default_answers_with_a_valid_proposal_or_none() -> None:
    t0 = time.perf_counter()
    advice = ask(None, seed=1)
    loaded = llm.load_model(None)
    print(f"SmolLM2 load {loaded.load_s:.1f} s, call {advice.call_s:.1f} s, "
          f"total {time.perf_counter() - t0:.1f} s: {advice.summary()}")  # fmt: skip
    assert loaded.source.label == llm.DEFAULT_LABEL
    assert advice.answer.strip()
    if advice.proposal is not None:
        parse_config(advice.proposal.config.as_nested())
        assert advice.proposal.config != BEST
