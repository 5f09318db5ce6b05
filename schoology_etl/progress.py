"""Progress bars that suit where the job runs.

In JupyterLab a widget bar (``tqdm.auto``). Under the runner (``TOOLBELT_RUN_ID`` set) the
output becomes a log that people read live, where a widget never updates: a plain text
bar, redrawn at most once a second, which the dashboard collapses to its latest state.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

RUN_ID_ENV = "TOOLBELT_RUN_ID"


def progress(iterable: Iterable[Any] | None = None, **options: Any) -> Any:
    """A tqdm bar over ``iterable`` (or a manual one), widget or text as suits the place."""
    if os.environ.get(RUN_ID_ENV):
        from tqdm.std import tqdm

        options.setdefault("mininterval", 1.0)
        options.setdefault("ascii", True)
    else:
        from tqdm.auto import tqdm
    return tqdm(iterable, **options)
