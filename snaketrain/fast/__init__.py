"""The compiled CPU path: numba kernels for the engine (and, on top of it, the policies).

Same semantics as ``snaketrain.rules.reference`` turn for turn (``tests/fast`` keeps them
identical); games run in parallel across cores. Kernels are compiled once per machine
(``cache=True``: numba keeps the machine code beside the sources, in ``__pycache__``).
"""
