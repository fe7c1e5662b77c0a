"""SynapseServer on its own: start, answer, register, Python discovery."""

from __future__ import annotations

from pathlib import Path

import pytest
from nio import AsyncClient, LoginResponse, WhoamiResponse

from tests.matrix_harness import (
    SynapseHTTPError,
    SynapseNotInstalledError,
    SynapseServer,
    find_synapse_python,
)
from tests.matrix_harness.clients import client_config
from tests.matrix_harness.pytest_plugin import ClientFactory, UserFactory


def test_server_answers_versions(synapse: SynapseServer) -> None:
    versions = synapse.request_json("GET", "/_matrix/client/versions")
    assert "v1.1" in versions["versions"]
    assert synapse.base_url.startswith("http://127.0.0.1:")
    assert synapse.is_running()
    assert 20_000 < synapse.rss_kib() < 1_000_000


def test_register_returns_working_token(
    synapse: SynapseServer, matrix_user_factory: UserFactory
) -> None:
    user = matrix_user_factory("reg")
    assert user.user_id == synapse.user_id(user.localpart)
    whoami = synapse.request_json(
        "GET", "/_matrix/client/v3/account/whoami", access_token=user.access_token
    )
    assert whoami["user_id"] == user.user_id
    assert whoami["device_id"] == user.device_id


def test_register_twice_is_an_error(
    synapse: SynapseServer, matrix_user_factory: UserFactory
) -> None:
    user = matrix_user_factory("dup")
    with pytest.raises(SynapseHTTPError) as caught:
        synapse.register(user.localpart, "other-password")
    assert caught.value.errcode == "M_USER_IN_USE"


async def test_nio_restore_login_and_password_login(
    synapse: SynapseServer,
    matrix_user_factory: UserFactory,
    matrix_client_factory: ClientFactory,
) -> None:
    user = matrix_user_factory("login")
    restored = await matrix_client_factory(user)
    whoami = await restored.whoami()
    assert isinstance(whoami, WhoamiResponse)
    assert whoami.user_id == user.user_id

    fresh = AsyncClient(synapse.base_url, user.user_id, config=client_config())
    try:
        response = await fresh.login(user.password, device_name="harness-test")
        assert isinstance(response, LoginResponse), response
        assert response.device_id != user.device_id
    finally:
        await fresh.close()


def test_missing_synapse_python_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SynapseNotInstalledError, match=r"install-synapse\.sh"):
        SynapseServer(tmp_path, python=tmp_path / "no-such-python")


def test_python_discovery_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNAPSE_PYTHON", "/from/env/python")
    assert find_synapse_python("/explicit/python") == "/explicit/python"
    assert find_synapse_python() == "/from/env/python"
    monkeypatch.delenv("SYNAPSE_PYTHON")
    found = find_synapse_python()
    assert found is None or found.endswith(".venv-synapse/bin/python")
