"""The one thin place where the library starts Prefect.

Everything else in ``snaketrain`` is plain Python that takes values and returns values; only
this package imports ``flows/`` and ``blocks/`` (the orchestration layer above the library),
and only when a training run starts:

- ``api``: a local Prefect API for the run (unless ``PREFECT_API_URL`` names a server);
- ``locks``: one trainer per results folder and per repository;
- ``signals``: how Ctrl+C and SIGTERM stop a run (the one signal handler);
- ``stale``: runs a killed trainer left RUNNING are marked Crashed on the next start;
- ``trainer``: ``ContinuousTrainer``, which resolves settings and runs the training flow.
"""

from __future__ import annotations

from snaketrain.runtime.trainer import ContinuousTrainer, TrainingBusy, TrainingInputError

__all__ = ["ContinuousTrainer", "TrainingBusy", "TrainingInputError"]
