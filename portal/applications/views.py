"""Status application pages."""

from flask import Blueprint

from portal.i18n import LANG_PREFIX

bp = Blueprint("applications", __name__, url_prefix=LANG_PREFIX)
