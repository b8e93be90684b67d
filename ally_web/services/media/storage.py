"""Where uploaded files are kept: ``MEDIA_DIR`` (``instance/media`` by default),
shared by every app server and backed up with the database.

Files get random names (the upload's name is never used). Pictures the shop shows to
everyone sit at the top of the folder, served by ``/media/<name>``; private files
(a customer's photos) sit in a sub-folder that route cannot reach (its names have no
slash), and are served only by staff pages.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from flask import current_app

NAME = re.compile(r"^[0-9a-f]{32}\.(svg|png|jpg)$")


def media_dir() -> Path:
    configured = current_app.config.get("MEDIA_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "media"


def keep_file(body: bytes, extension: str, folder: str = "") -> str:
    """Write ``body`` under a new random name (in ``folder`` of the media folder);
    returns the name. Written aside, then moved in place: a reader never sees half."""
    target = media_dir() / folder if folder else media_dir()
    target.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{extension}"
    partial = target / f".{name}.part"
    partial.write_bytes(body)
    os.replace(partial, target / name)
    return name


def kept_path(name: str, folder: str = "") -> Path | None:
    """The file ``keep_file`` named, or None for any other name."""
    if not NAME.match(name):
        return None
    path = (media_dir() / folder if folder else media_dir()) / name
    return path if path.is_file() else None


def discard_file(name: str, folder: str = "") -> None:
    """Remove a file ``keep_file`` wrote, when what was to use it was refused after all."""
    path = kept_path(name, folder)
    if path is not None:
        path.unlink(missing_ok=True)
