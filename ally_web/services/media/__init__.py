"""Uploaded files: pictures checked by their content and saved again
(``images.py``), kept under random names in the media folder (``storage.py``). The
catalog's colour pictures and the photos sent with a return both go through here."""

from ally_web.services.media.images import (
    TOO_LARGE,
    UNREADABLE,
    WRONG_FORMAT,
    CleanImage,
    ImageRefused,
    clean_image,
)
from ally_web.services.media.storage import NAME, discard_file, keep_file, kept_path, media_dir

__all__ = [
    "NAME",
    "TOO_LARGE",
    "UNREADABLE",
    "WRONG_FORMAT",
    "CleanImage",
    "ImageRefused",
    "clean_image",
    "discard_file",
    "keep_file",
    "kept_path",
    "media_dir",
]
