"""The errors the runner's run service raises about runs and clients.

::

    schoology_etl.errors.ConfigurationError
     ├── RunNotFoundError      no run with that id in the store
     ├── ClientNotFoundError   the run names a client profile nobody knows
     └── RunStateError         the run's status does not allow the action

Each is a :class:`~schoology_etl.errors.ConfigurationError`: the request is wrong, trying
again unchanged does not help, and nothing was queued, cancelled or applied.
"""

from __future__ import annotations

from schoology_etl.errors import ConfigurationError


class RunNotFoundError(ConfigurationError):
    """No run with that id in the store."""


class ClientNotFoundError(ConfigurationError):
    """The run names a client profile that no store or environment knows."""


class RunStateError(ConfigurationError):
    """The run is not in a state that allows the action (e.g. cancelling a finished run)."""
