"""Settings from the environment; the secret key is generated once, never a literal."""

import pytest

from portal import config


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    first = config.load(str(tmp_path))["SECRET_KEY"]
    again = config.load(str(tmp_path))["SECRET_KEY"]
    assert first == again
    assert len(first) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    other = tmp_path / "elsewhere"
    assert config.load(str(other))["SECRET_KEY"] != first


def test_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql://u:p@db.example/portal")
    monkeypatch.setenv("PORTAL_SECURE_COOKIES", "1")
    settings = config.load(str(tmp_path))
    assert settings["SECRET_KEY"] == "from-the-environment"
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example/portal"
    assert settings["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    assert (
        config.load(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/portal.db"
    )


def test_without_a_server_name_only_loopback_is_trusted(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SERVER_NAME", raising=False)
    monkeypatch.delenv("PORTAL_SECURE_COOKIES", raising=False)
    settings = config.load(str(tmp_path))
    assert settings["SERVER_NAME"] is None  # addresses from the (loopback) request
    assert settings["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]
    assert settings["PREFERRED_URL_SCHEME"] == "http"


def test_the_first_server_name_builds_addresses_and_all_are_trusted(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_SERVER_NAME", " Portal.Example.kz:8443 , kandas.example.kz,")
    monkeypatch.setenv("PORTAL_SECURE_COOKIES", "1")
    settings = config.load(str(tmp_path))
    assert settings["SERVER_NAME"] == "portal.example.kz:8443"
    assert settings["TRUSTED_HOSTS"] == [
        "portal.example.kz:8443", "kandas.example.kz", "localhost", "127.0.0.1"
    ]  # fmt: skip
    assert settings["PREFERRED_URL_SCHEME"] == "https"


@pytest.mark.parametrize(
    "value", ["https://portal.example.kz", "portal.example.kz/kk", ".example.kz", "a b", "h:0"]
)
def test_a_server_name_that_is_not_a_host_stops_the_start(tmp_path, monkeypatch, value):
    monkeypatch.setenv("PORTAL_SERVER_NAME", value)
    with pytest.raises(ValueError, match="PORTAL_SERVER_NAME"):
        config.load(str(tmp_path))


def test_each_host_may_have_an_instance_folder_of_its_own(tmp_path, monkeypatch):
    """Issue 18: two hosts on one machine (make cluster) keep nothing in a shared folder."""
    from portal import create_app

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "host1"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "one-key-for-every-host")
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("PORTAL_UPLOAD_DIR", raising=False)
    app = create_app()
    assert app.instance_path == str(tmp_path / "host1")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/host1/portal.db"
    assert app.config["PORTAL_UPLOAD_DIR"] == str(tmp_path / "host1" / "uploads")
