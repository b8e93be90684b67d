"""The session: Flask's signed cookie, with its signer built once.

Flask builds a new signing serializer (key derivation settings, salt, JSON tagger) on
every open and every save of the session: twice a request, about 6 µs each. Here it
is built once per set of keys and reused; a changed SECRET_KEY or SECRET_KEY_FALLBACKS
builds a new one.

The signer also skips zlib for small sessions. itsdangerous compresses every payload
and keeps the result only when it is shorter; a session this small (a new visitor's
form token is 56 bytes) never gains enough to matter, and the attempt costs about
15 µs a save on a busy page. Larger sessions are compressed as before, and cookies in
either form read alike. Everything else - the cookie, its signature, what it holds -
is Flask's own.
"""

from __future__ import annotations

import zlib
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

COMPRESS_FROM_BYTES = 128  # a session's JSON shorter than this goes uncompressed


class SessionSerializer(URLSafeTimedSerializer):
    """Flask's session signer, trying zlib only from COMPRESS_FROM_BYTES up."""

    def dump_payload(self, obj: Any) -> bytes:
        json = super(URLSafeSerializerMixin, self).dump_payload(obj)  # the JSON, not yet encoded
        if len(json) >= COMPRESS_FROM_BYTES:
            compressed = zlib.compress(json)
            if len(compressed) < len(json) - 1:  # the mark costs a byte
                return b"." + base64_encode(compressed)
        return base64_encode(json)


class StoreSessionInterface(SecureCookieSessionInterface):
    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = app.extensions.setdefault("ally_session_signer", {})
        if kept.get("keys") != keys:
            kept.update(keys=keys, serializer=SessionSerializer(
                [*keys[1], keys[0]],  # itsdangerous signs with the last, the current key
                salt=self.salt,
                serializer=self.serializer,
                signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
            ))
        return kept["serializer"]
