"""The pages' blueprint, in a module of its own so that its route modules import
it without importing the package that gathers them (no import cycle)."""
from flask import Blueprint

bp = Blueprint("web", __name__)
