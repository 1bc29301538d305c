"""The extensions, created unbound here and bound to the app in `create_app`."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Counters per client address (configured in portal/auth/throttle.py).
limiter = Limiter(
    key_func=lambda: request.remote_addr or "unknown",
    application_limits=["600 per minute"],
    headers_enabled=True,
)
