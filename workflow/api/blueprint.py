"""The API blueprint, in a module of its own so that its route modules import
it without importing the package that gathers them (no import cycle)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
