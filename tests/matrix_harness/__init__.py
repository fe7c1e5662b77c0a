"""Test harness: a throwaway Synapse homeserver on 127.0.0.1 and matrix-nio client helpers.

``SynapseServer`` is stdlib-only. The nio helpers live in ``matrix_harness.clients`` and the
pytest fixtures in ``matrix_harness.pytest_plugin``. Install Synapse with
``.ci/install-synapse.sh``.
"""

from .config import RateLimits
from .server import (
    MatrixUser,
    SynapseError,
    SynapseHTTPError,
    SynapseNotInstalledError,
    SynapseServer,
    find_synapse_python,
    free_port,
)

__all__ = [
    "MatrixUser",
    "RateLimits",
    "SynapseError",
    "SynapseHTTPError",
    "SynapseNotInstalledError",
    "SynapseServer",
    "find_synapse_python",
    "free_port",
]
