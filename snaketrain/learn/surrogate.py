"""The neural pattern learner's models: an ensemble of small MLP surrogates and an
autoencoder over accepted configs (torch, CPU or CUDA).

Surrogate. Input ``[2·D]`` per evaluated candidate: its config in normalised units
(``history.unit_vector``, D = every key of the space: the built-in one's ``KEYS`` unless
the functions are given a space's keys) and its step from the incumbent it played
(zero where a key did not move); target: the measured Elo against that incumbent, each point
weighted by the inverse variance of its measurement (the 95% interval's half width / 1.96,
squared, plus 1 so that a point's weight stays bounded). ``MEMBERS`` MLPs
(``2D -> HIDDEN -> HIDDEN -> 1``, SiLU), each on its own bootstrap sample of the points and
its own initialisation; a prediction is the members' mean, its uncertainty their spread.
With at least ``HOLDOUT_MIN`` points a seeded fifth is held out and the fit is reported on
it (weighted RMSE in Elo, share of signs right); the members are trained on the rest.

Autoencoder (``D -> 8 -> 2 -> 8 -> D``) over the accepted configs: its reconstruction error
of a config is how far it lies from what has won so far (``novelty``, shown in a proposal's
reason).

Persisted in the results folder: ``surrogate.pt`` (the state dicts, ``torch.save``) and
``surrogate.json`` (shapes, target scaling, the fit, the iteration it was trained in);
:func:`fit_or_load` trains at most once per iteration.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from snaketrain.configio import write_text_atomic
from snaketrain.learn.history import Attempt
from snaketrain.snake.space import SPACE

WEIGHTS_NAME = "surrogate.pt"
META_NAME = "surrogate.json"
MEMBERS = 5
HIDDEN = 32
EPOCHS = 200
HOLDOUT_MIN = 10
#: Points the surrogate needs before it is trained at all.
MIN_POINTS = 4
#: Accepted configs the autoencoder needs.
MIN_WINNERS = 3
#: Elo beyond which a measurement is clipped (a perfect score's Elo is unbounded).
ELO_CLIP = 800.0
KEYS = tuple(p.key for p in SPACE)


@dataclass(frozen=True)
class Fit:
    """What was learned and how well: ``rmse_elo`` and ``sign_accuracy`` on the held-out
    points (NaN when too few points to hold any out)."""

    trained_iteration: int
    points: int
    held_out: int
    rmse_elo: float
    sign_accuracy: float
    winners: int
    y_mean: float
    y_std: float
    members: int = MEMBERS
    hidden: int = HIDDEN

    def line(self) -> str:
        """``surrogate: 5 MLPs on 120 points, held-out RMSE 14 Elo, sign right 81% (24)``."""
        head = f"surrogate: {self.members} MLPs on {self.points} points"
        if not self.held_out:
            return head + " (too few to hold any out)"
        return (
            f"{head}, held-out RMSE {self.rmse_elo:.0f} Elo, sign right "
            f"{self.sign_accuracy:.0%} ({self.held_out} held out)"
        )


class Ensemble(nn.Module):
    """``members`` MLPs ``n_in -> hidden -> hidden -> 1`` (SiLU) as batched weights, so one
    matrix product steps them all: ``x [M, N, n_in] -> [M, N]``."""

    def __init__(self, members: int, n_in: int, hidden: int) -> None:
        super().__init__()

        def layer(i: int, o: int) -> tuple[nn.Parameter, nn.Parameter]:
            bound = 1.0 / math.sqrt(i)
            w = torch.empty(members, i, o).uniform_(-bound, bound)
            b = torch.empty(members, 1, o).uniform_(-bound, bound)
            return nn.Parameter(w), nn.Parameter(b)

        self.w1, self.b1 = layer(n_in, hidden)
        self.w2, self.b2 = layer(hidden, hidden)
        self.w3, self.b3 = layer(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = nn.functional.silu(torch.baddbmm(self.b1, x, self.w1))
        h = nn.functional.silu(torch.baddbmm(self.b2, h, self.w2))
        return torch.baddbmm(self.b3, h, self.w3)[..., 0]


def _autoencoder(d: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(d, 8), nn.SiLU(), nn.Linear(8, 2), nn.Linear(2, 8), nn.SiLU(), nn.Linear(8, d),
    )  # fmt: skip


def step_vector(steps: Sequence[tuple[str, float]], keys: Sequence[str] = KEYS) -> np.ndarray:
    """``[D]``: the steps in the order of ``keys`` (a space's: the built-in one's unless
    given), 0 for a key that did not move."""
    index = {k: i for i, k in enumerate(keys)}
    out = np.zeros(len(keys))
    for key, s in steps:
        if key in index:
            out[index[key]] = s
    return out


def features(
    x: Sequence[float], steps: Sequence[tuple[str, float]], keys: Sequence[str] = KEYS
) -> np.ndarray:
    """``[2·D]``: a candidate's input."""
    return np.concatenate([np.asarray(x, dtype=np.float64), step_vector(steps, keys)])


def dataset(
    attempts: Sequence[Attempt], keys: Sequence[str] = KEYS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X [N, 2D]``, ``y [N]`` (Elo), ``w [N]`` (inverse variance, mean 1) of the played
    attempts that carry a config vector of ``keys`` and a finite Elo."""
    rows, ys, var = [], [], []
    for a in attempts:
        if not a.played or len(a.x) != len(keys) or not math.isfinite(a.elo):
            continue
        rows.append(features(a.x, a.steps, keys))
        ys.append(min(max(a.elo, -ELO_CLIP), ELO_CLIP))
        half = (a.elo_high - a.elo_low) / 2
        se = half / 1.96 if math.isfinite(half) else ELO_CLIP
        var.append(min(se, ELO_CLIP) ** 2 + 1.0)
    if not rows:
        d = 2 * len(keys)
        return np.zeros((0, d)), np.zeros(0), np.zeros(0)
    w = 1.0 / np.asarray(var)
    return np.stack(rows), np.asarray(ys), w / w.mean()


def winners(attempts: Sequence[Attempt], keys: Sequence[str] = KEYS) -> np.ndarray:
    """``[W, D]``: the config vectors (of ``keys``) of the accepted attempts."""
    xs = [a.x for a in attempts if a.accepted and len(a.x) == len(keys)]
    return np.asarray(xs, dtype=np.float64).reshape(len(xs), len(keys))


def _train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    epochs: int,
) -> None:
    """Full-batch Adam on weighted squared error (``model(x)`` shaped like ``y``, ``w``
    broadcast against it)."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
    for _ in range(epochs):
        opt.zero_grad()
        loss = (w * (model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Torch on one CPU thread meanwhile: models this small only lose by splitting their
    products across cores that the games use."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class Surrogate:
    """The trained models and their ``fit``; :meth:`predict` and :meth:`novelty` take numpy
    arrays and return numpy arrays (Elo, squared normalised units)."""

    def __init__(
        self,
        fit: Fit,
        ensemble: Ensemble,
        autoencoder: nn.Module | None,
        device: str = "cpu",
    ) -> None:
        self.fit = fit
        self.ensemble = ensemble.to(device).eval()
        self.autoencoder = None if autoencoder is None else autoencoder.to(device).eval()
        self.device = device

    @torch.no_grad()
    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and spread (std over members) of the predicted Elo of ``X [N, 2D]``."""
        x = torch.as_tensor(np.asarray(X), dtype=torch.float32, device=self.device)
        with one_thread():
            preds = self.ensemble(x.expand(self.fit.members, *x.shape))  # [M, N]
        preds = preds.double().cpu().numpy() * self.fit.y_std + self.fit.y_mean
        return preds.mean(axis=0), preds.std(axis=0)

    @torch.no_grad()
    def novelty(self, configs: np.ndarray) -> np.ndarray:
        """``[N]``: mean squared reconstruction error of ``configs [N, D]`` (NaN: no
        autoencoder yet)."""
        if self.autoencoder is None:
            return np.full(len(configs), math.nan)
        x = torch.as_tensor(np.asarray(configs), dtype=torch.float32, device=self.device)
        with one_thread():
            err = ((self.autoencoder(x) - x) ** 2).mean(dim=1)
        return err.double().cpu().numpy()


def train(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    *,
    wins: np.ndarray | None = None,
    iteration: int = 0,
    seed: int = 0,
    device: str = "cpu",
    epochs: int = EPOCHS,
) -> Surrogate:
    """The ensemble on ``X [N, I]``, ``y [N]``, ``w [N]`` (and the autoencoder on ``wins
    [W, D]`` when there are ``MIN_WINNERS``); deterministic given ``seed`` on the CPU."""
    n = len(y)
    if n < 2:
        raise ValueError(f"the surrogate needs at least 2 points, got {n}")
    rng = np.random.default_rng(seed)
    held = rng.permutation(n)[: n // 5] if n >= HOLDOUT_MIN else np.zeros(0, dtype=int)
    mask = np.ones(n, dtype=bool)
    mask[held] = False
    y_mean = float(np.average(y[mask], weights=w[mask]))
    y_std = float(np.sqrt(np.average((y[mask] - y_mean) ** 2, weights=w[mask]))) or 1.0
    train_idx = np.flatnonzero(mask)
    boot = rng.choice(train_idx, size=(MEMBERS, len(train_idx)), replace=True)  # [M, n]

    def t(a: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(a, dtype=torch.float32, device=device)

    with one_thread(), torch.random.fork_rng(devices=[]):  # the global generator untouched
        torch.manual_seed(seed)
        ensemble = Ensemble(MEMBERS, X.shape[1], HIDDEN).to(device)
        _train(ensemble, t(X[boot]), t((y[boot] - y_mean) / y_std), t(w[boot]), epochs)
        auto = None
        if wins is not None and len(wins) >= MIN_WINNERS:
            auto = _autoencoder(wins.shape[1]).to(device)
            xw = t(wins)
            _train(auto, xw, xw, torch.ones(len(wins), 1, device=device), epochs)
    fit = Fit(iteration, n, len(held), math.nan, math.nan, 0 if wins is None else len(wins),
              y_mean, y_std)  # fmt: skip
    model = Surrogate(fit, ensemble, auto, device)
    if len(held):
        mean, _ = model.predict(X[held])
        err = np.sqrt(np.average((mean - y[held]) ** 2, weights=w[held]))
        signs = float(np.mean(np.sign(mean) == np.sign(y[held])))
        model.fit = Fit(**(asdict(fit) | {"rmse_elo": float(err), "sign_accuracy": signs}))
    return model


def save(model: Surrogate, results_dir: str | Path, keys: Sequence[str] = KEYS) -> None:
    """``surrogate.pt`` (state dicts) and ``surrogate.json`` (the fit and the space's
    ``keys``), the JSON last: it is what :func:`load` trusts."""
    where = Path(results_dir)
    where.mkdir(parents=True, exist_ok=True)
    state = {
        "ensemble": {k: v.cpu() for k, v in model.ensemble.state_dict().items()},
        "autoencoder": None
        if model.autoencoder is None
        else {k: v.cpu() for k, v in model.autoencoder.state_dict().items()},
    }
    tmp = where / (WEIGHTS_NAME + ".tmp")
    torch.save(state, tmp)
    tmp.replace(where / WEIGHTS_NAME)
    meta = {"keys": list(keys), "fit": _jsonable(asdict(model.fit))}
    write_text_atomic(where / META_NAME, json.dumps(meta, indent=1) + "\n")


def _jsonable(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def read_fit(results_dir: str | Path, keys: Sequence[str] = KEYS) -> Fit | None:
    """The fit recorded in ``surrogate.json`` (None: none, unreadable, or of a space of other
    keys than ``keys``)."""
    try:
        meta = json.loads((Path(results_dir) / META_NAME).read_text(encoding="utf-8"))
        if meta.get("keys") != list(keys):
            return None
        return Fit(**{k: math.nan if v is None else v for k, v in meta["fit"].items()})
    except (OSError, ValueError, TypeError, KeyError):
        return None


def load(
    results_dir: str | Path, device: str = "cpu", keys: Sequence[str] = KEYS
) -> Surrogate | None:
    """The persisted models (None when there are none that fit the space of ``keys``)."""
    fit = read_fit(results_dir, keys)
    if fit is None:
        return None
    try:
        state = torch.load(Path(results_dir) / WEIGHTS_NAME, map_location="cpu", weights_only=True)
        ensemble = Ensemble(fit.members, 2 * len(keys), fit.hidden)
        ensemble.load_state_dict(state["ensemble"])
        auto = None
        if state["autoencoder"] is not None:
            auto = _autoencoder(len(keys))
            auto.load_state_dict(state["autoencoder"])
    except (OSError, RuntimeError, KeyError, TypeError, ValueError):
        return None
    return Surrogate(fit, ensemble, auto, device)


def fit_or_load(
    results_dir: str | Path,
    iteration: int,
    attempts: Sequence[Attempt],
    *,
    seed: int = 0,
    device: str = "cpu",
    keys: Sequence[str] = KEYS,
) -> tuple[Surrogate | None, bool]:
    """The surrogate of ``iteration`` over the space of ``keys``: loaded when it was already
    trained in this iteration (a re-run), else trained on ``attempts`` and saved. Returns
    (model, trained now); model None while fewer than ``MIN_POINTS`` points exist."""
    saved = read_fit(results_dir, keys)
    if saved is not None and saved.trained_iteration == iteration:
        model = load(results_dir, device, keys)
        if model is not None:
            return model, False
    X, y, w = dataset(attempts, keys)
    if len(y) < MIN_POINTS:
        return None, False
    wins = winners(attempts, keys)
    model = train(X, y, w, wins=wins, iteration=iteration, seed=seed ^ iteration, device=device)
    save(model, results_dir, keys)
    return model, True
