"""Administrator pages (calendar corrections, settings)."""

from flask import Blueprint

from portal.i18n import LANG_PREFIX

bp = Blueprint("admin", __name__, url_prefix=LANG_PREFIX + "/admin")
