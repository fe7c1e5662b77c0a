"""Fixtures for the harness's own tests, imported from the Synapse pytest plugin.

Not ``pytest_plugins = [...]``: pytest refuses that outside the top-level conftest
(``tests/harness_tests`` is not collected as an initial conftest when running ``pytest``).
"""

from tests.matrix_harness.pytest_plugin import (  # noqa: F401 - re-exported fixtures
    matrix_client_factory,
    matrix_sync,
    matrix_user_factory,
    synapse,
    synapse_factory,
)
