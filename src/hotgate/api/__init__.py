"""The REST API and the web pages of hotgate (FastAPI, Jinja2, htmx)."""

from hotgate.api.app import create_app
from hotgate.api.settings import Settings

__all__ = ["Settings", "create_app"]
