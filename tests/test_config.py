"""Settings from the environment; the secret key is generated once, never a literal."""

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
