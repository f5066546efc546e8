"""What to try next: advisors that propose candidate configs (random perturbation so far;
NN patterns, an LLM, SPSA and CMA-ES implement the same ``Advisor.propose``)."""

from snaketrain.tuning.advisor import Advisor, Change, Proposal
from snaketrain.tuning.perturb import MAX_SCALE, RandomPerturbation, perturbation_scale

__all__ = [
    "MAX_SCALE",
    "Advisor",
    "Change",
    "Proposal",
    "RandomPerturbation",
    "perturbation_scale",
]
