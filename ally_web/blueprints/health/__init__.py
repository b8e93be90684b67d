"""Probes for the load balancer and the orchestrator: `/healthz` and `/readyz`."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from ally_web.blueprints.health import routes  # noqa: E402,F401
