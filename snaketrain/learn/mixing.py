"""The NN advisor in an iteration: screen many cheap proposals, take one slot.

Screening. ``SCREENED`` cheap proposals around the best config, half random perturbations
(``tuning.RandomPerturbation``, its step grown on stagnation like the random advisor's),
half SPSA-style (every tuned key, ``tunables.default_keys``, moved ±``SPSA_C`` of its range
with random signs); the ones the change history blocks or that another slot already holds
are dropped; the surrogate predicts each one's Elo against the best config, and the one with
the largest ``mean + KAPPA · spread`` (optimism under uncertainty) becomes the NN's proposal
(advisor ``"nn"``, its reason the prediction). Before the surrogate has ``MIN_POINTS`` points
the NN's slot holds the pool's first draw, saying so.

Slots (:func:`share_slots`). With ``parallel_configs`` k >= 2 the NN takes one slot and the
main advisor keeps the others (SPSA and CMA-ES propose their one tuned config, random
perturbation k - 1). With k = 1 the slot alternates: the NN's on even iterations, the main
advisor's on odd ones (SPSA and CMA-ES tune every iteration; on an NN iteration the tuned θ
is kept and verified the next time).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from snaketrain.learn.history import ChangeHistory, steps_of, unit_vector
from snaketrain.learn.surrogate import MIN_POINTS, Surrogate, features
from snaketrain.snake.space import Config
from snaketrain.tuning.advisor import Proposal
from snaketrain.tuning.perturb import RandomPerturbation
from snaketrain.tuning.tunables import default_keys, to_config
from snaketrain.tuning.tunables import unit_vector as tuned_vector

NAME = "nn"
SCREENED = 256
KAPPA = 0.5
SPSA_C = 0.05


def cheap_proposals(
    best: Config, rng: np.random.Generator, n: int = SCREENED, scale: float = 1.0
) -> list[Proposal]:
    """Up to ``n`` distinct proposals different from ``best`` (see the module docstring)."""
    random = RandomPerturbation().scaled(scale)
    keys = default_keys(best.space)
    theta = tuned_vector(best, keys)
    seen = {best}
    out: list[Proposal] = []
    for i in range(n):
        if i % 2 == 0:
            p = random.perturb(best, rng)
            config, how = p.config, p.reason
        else:
            delta = rng.choice([-1.0, 1.0], size=len(keys))
            config = to_config(best, keys, theta + SPSA_C * delta)
            how = f"spsa-style ±{SPSA_C:.0%} of range on {len(keys)} keys"
        if config not in seen:
            seen.add(config)
            out.append(Proposal.between(best, config, NAME, how))
    return out


def screen(
    best: Config,
    model: Surrogate | None,
    history: ChangeHistory,
    iteration: int,
    rng: np.random.Generator,
    *,
    exclude: Sequence[Config] = (),
    n: int = SCREENED,
    scale: float = 1.0,
) -> Proposal | None:
    """The NN's proposal for ``iteration`` (None: every cheap proposal was blocked or taken)."""
    taken = set(exclude)
    pool = [
        p
        for p in cheap_proposals(best, rng, n, scale)
        if p.config not in taken and history.blocks(p, iteration) is None
    ]
    if not pool:
        return None
    if model is None:
        p = pool[0]
        return Proposal.between(
            best,
            p.config,
            NAME,
            f"nn: fewer than {MIN_POINTS} measured candidates, nothing to screen yet; "
            f"first of {len(pool)} draws: {p.reason}",
        )
    space = best.space
    X = np.stack(
        [features(unit_vector(p.config), steps_of(p.changes, space), space.keys) for p in pool]
    )
    mean, spread = model.predict(X)
    i = int(np.argmax(mean + KAPPA * spread))
    novelty = model.novelty(np.asarray([unit_vector(pool[i].config)]))[0]
    near = "" if np.isnan(novelty) else f", distance from winners {novelty:.3f}"
    reason = (
        f"nn: predicted {mean[i]:+.0f} ± {spread[i]:.0f} Elo{near}, best of {len(pool)} "
        f"screened ({model.fit.line()}); drawn as: {pool[i].reason}"
    )
    return Proposal.between(best, pool[i].config, NAME, reason)


def share_slots(
    main: Sequence[Proposal], nn: Proposal | None, k: int, iteration: int
) -> list[Proposal]:
    """The iteration's proposals with the NN's one in its slot (module docstring)."""
    if nn is None:
        return list(main)
    if k >= 2:
        return [*main[: k - 1], nn]
    return [nn] if iteration % 2 == 0 or not main else list(main)
