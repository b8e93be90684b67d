"""The session: Flask's signed cookie, with its signer built once.

Flask builds a new signing serializer (key derivation settings, salt, JSON tagger) on
every open and every save of the session: twice a request, about 6 µs each. Here it
is built once per set of keys and reused; a changed SECRET_KEY or SECRET_KEY_FALLBACKS
builds a new one. Everything else - the cookie, its signature, what it holds - is
Flask's own.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class StoreSessionInterface(SecureCookieSessionInterface):
    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = app.extensions.setdefault("ally_session_signer", {})
        if kept.get("keys") != keys:
            kept.update(keys=keys, serializer=super().get_signing_serializer(app))
        return kept["serializer"]
