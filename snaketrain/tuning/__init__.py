"""What to try next: advisors that propose candidate configs (random perturbation; SPSA and
CMA-ES tune with many cheap game pairs, then propose their result for verification; NN
patterns and an LLM implement the same ``Advisor.propose``)."""

from snaketrain.tuning.advisor import Advisor, Change, Proposal
from snaketrain.tuning.cma import CmaAdvisor, CmaState, plan_generation, tell_generation
from snaketrain.tuning.perturb import MAX_SCALE, RandomPerturbation, perturbation_scale
from snaketrain.tuning.spsa import (
    SpsaAdvisor,
    SpsaPair,
    SpsaState,
    apply_batch,
    pair_score,
    plan_batch,
)
from snaketrain.tuning.spsa_settings import SpsaSettings, describe, load_settings, parse_settings
from snaketrain.tuning.tunables import STRUCTURAL_KEYS, TuneSettingsError, select_keys

__all__ = [
    "MAX_SCALE",
    "STRUCTURAL_KEYS",
    "Advisor",
    "Change",
    "CmaAdvisor",
    "CmaState",
    "Proposal",
    "RandomPerturbation",
    "SpsaAdvisor",
    "SpsaPair",
    "SpsaSettings",
    "SpsaState",
    "TuneSettingsError",
    "apply_batch",
    "describe",
    "load_settings",
    "pair_score",
    "parse_settings",
    "perturbation_scale",
    "plan_batch",
    "plan_generation",
    "select_keys",
    "tell_generation",
]
