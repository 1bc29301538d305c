"""Stub: filled by the feature's implementation."""

from flask import Blueprint

from portal.i18n import LANG_PREFIX

bp = Blueprint("cases", __name__, url_prefix=LANG_PREFIX)
