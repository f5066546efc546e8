"""``python -m snaketrain``: the same as the ``snaketrain`` command."""

from snaketrain.cli import main

raise SystemExit(main())
