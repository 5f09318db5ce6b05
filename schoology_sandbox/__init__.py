"""A local Schoology API with a seeded demo district, for training, trying jobs, and tests.

::

    from schoology_sandbox import SandboxServer, SandboxConfig
    with SandboxServer(SandboxConfig(seed=1, users=300)) as srv:
        ...  # srv.base_url, srv.key, srv.secret

``seed_district(seed, users)`` builds the same district without a server.
"""

from __future__ import annotations

from schoology_sandbox.config import SandboxConfig
from schoology_sandbox.seed import seed_district
from schoology_sandbox.server import SandboxServer
from schoology_sandbox.state import DistrictState

__all__ = ["DistrictState", "SandboxConfig", "SandboxServer", "seed_district"]
