"""Prefect tasks, one module per step of a training iteration, each a thin wrapper over the
``snaketrain`` library: begin -> advise -> perturb -> build -> benchmark -> select -> commit
-> record.

Finished steps are persisted under ``<results>/prefect-results`` and keyed by what identifies
the work (the iteration, content hashes, seeds, pair ranges), so re-running a crashed
iteration reuses every finished step and benchmark shard. Steps pass values (configs,
proposals, snake references, verdicts), never YAML text.
"""
