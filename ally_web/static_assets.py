"""Static files with their content's hash in the name, cached by browsers for a year.

`url_for('static', filename='css/site.css')` gives `/static/css/site.<hash>.css`,
where <hash> is the start of the file's SHA-256: a changed file gets a new name, so
the old one can be cached "immutable" for a year. The files are small (CSS, scripts,
SVG images): each is read once when the app starts, compressed once (brotli and gzip),
and served from memory with an ETag (304 when the browser has it).

During a rolling deploy one machine may serve a page naming a hash another machine
does not know yet (or any more): it still answers with the file it has, but tells
the browser not to keep it, so the right version is fetched next time.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Flask, Response, abort, request
from werkzeug.wrappers import Response as BaseResponse

from ally_web.htmx import add_to_vary

YEAR_SECONDS = 365 * 24 * 3600
HASH_LENGTH = 12
HASHED_NAME = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)$")
COMPRESSIBLE = frozenset({"text/css", "text/javascript", "application/javascript", "image/svg+xml"})


@dataclass(frozen=True)
class Asset:
    hashed_name: str
    digest: str
    mimetype: str
    body: bytes
    encoded: dict[str, bytes]  # "br" / "gzip" -> the body compressed, when it is worth it


def _asset(folder: Path, path: Path) -> Asset:
    name = path.relative_to(folder).as_posix()
    body = path.read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:HASH_LENGTH]
    stem, dot, suffix = name.rpartition(".")
    hashed = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    encoded: dict[str, bytes] = {}
    if mimetype in COMPRESSIBLE:
        for encoding, packed in (("br", brotli.compress(body, quality=11)), ("gzip", gzip.compress(body, 9, mtime=0))):
            if len(packed) < len(body):
                encoded[encoding] = packed
    return Asset(hashed, digest, mimetype, body, encoded)


def load_assets(folder: Path) -> dict[str, Asset]:
    return {
        path.relative_to(folder).as_posix(): _asset(folder, path)
        for path in sorted(folder.rglob("*")) if path.is_file() and not path.name.startswith(".")
    }


def register_static_assets(app: Flask) -> None:
    assert app.static_folder is not None
    assets = load_assets(Path(app.static_folder))
    app.extensions["ally_static_assets"] = assets

    @app.url_defaults
    def hashed_static_name(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in assets:
            values["filename"] = assets[values["filename"]].hashed_name

    def serve_static(filename: str) -> BaseResponse:
        match = HASHED_NAME.match(filename)
        name = f"{match['stem']}{match['suffix']}" if match else filename
        asset = assets.get(name)
        if asset is None:
            abort(404)
        # The browser's highest-ranked encoding; on a tie brotli, the smaller (inserted first).
        encoding = request.accept_encodings.best_match(asset.encoded)
        response = Response(asset.encoded[encoding] if encoding else asset.body, mimetype=asset.mimetype)
        if encoding:
            response.headers["Content-Encoding"] = encoding
        add_to_vary(response.headers, ("Accept-Encoding",), response.headers.get("Vary"))
        response.set_etag(f"{asset.digest}-{encoding or 'identity'}")
        if match and match["hash"] == asset.digest:
            response.headers["Cache-Control"] = f"public, max-age={YEAR_SECONDS}, immutable"
        else:  # unhashed, or another deploy's hash: fine to use now, not to keep
            response.headers["Cache-Control"] = "no-cache"
        return response.make_conditional(request)

    app.view_functions["static"] = serve_static
