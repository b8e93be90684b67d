"""Photos of a damaged or faulty pair, sent with the request so staff can review it
before a label is issued.

- A pair going back as "Damaged or faulty" needs 1 to ``policy.RETURN_PHOTOS_PER_PAIR``
  photos, each at most ``policy.RETURN_PHOTO_MAX_BYTES`` as sent. Other pairs need none
  (photos sent with them are not kept).
- Each photo is checked by its content, never its name or declared type: Pillow must
  open and verify it as JPEG, PNG or WebP (``services/media``); it is then saved
  again (PNG, or JPEG for everything else), upright, its longer side scaled down to
  ``policy.RETURN_PHOTO_MAX_SIDE``, with none of the upload's metadata (no place, no
  camera).
- It is kept under a random name in the media folder's private part, which no public
  address serves: only staff see it, on the return's admin page.
- A form sent back for corrections cannot keep the files chosen: the customer is
  asked, beside the field, to choose them again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from ally_web import policy
from ally_web.models import ReturnItem, ReturnPhoto, TrialPhoto
from ally_web.models.returns import KeptPhoto
from ally_web.services import media

FOLDER = "return-photos"  # inside MEDIA_DIR; /media/<name> cannot reach into it
FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
KINDS = "JPEG, PNG or WebP"
P = TypeVar("P", ReturnPhoto, TrialPhoto)
CHOOSE_AGAIN = "Please choose your photos again: a form sent back for corrections can't keep the files you chose."


@dataclass(frozen=True)
class Upload:
    """One file as sent: its bytes (read up to one byte over the limit) and the name
    the customer's device gave it, used only to name it back in a message."""

    name: str
    data: bytes


def read_uploads(files: Iterable[Any]) -> list[Upload]:
    """The files chosen in one photo field (a form's file parts, each with ``read`` and
    ``filename``), as ``check_photos`` takes them: each read one byte past the limit, enough to tell it is too big, at
    most one file more than allowed. A field left empty sends one empty, unnamed part:
    skipped."""
    uploads = []
    for upload in list(files)[:policy.RETURN_PHOTOS_PER_PAIR + 1]:
        data = upload.read(policy.RETURN_PHOTO_MAX_BYTES + 1)
        name = getattr(upload, "filename", "") or ""
        if data or name:
            uploads.append(Upload(name=name, data=data))
    return uploads


def _called(upload: Upload, position: int) -> str:
    name = " ".join(upload.name.split())[:60]
    return f"“{name}”" if name else f"Photo {position}"


def check_photos(uploads: list[Upload], missing: str | None = None) -> tuple[list[media.CleanImage], str | None]:
    """The photos of one damaged pair, cleaned; or the first problem, in words
    (``missing`` says why photos are needed when none came)."""
    if not uploads:
        return [], missing or (f"Please add 1 to {policy.RETURN_PHOTOS_PER_PAIR} photos of what's wrong ({KINDS}): "
                               "our team looks at them before sending the label.")
    if len(uploads) > policy.RETURN_PHOTOS_PER_PAIR:
        return [], f"Please choose up to {policy.RETURN_PHOTOS_PER_PAIR} photos for this pair."
    cleaned = []
    limit = policy.RETURN_PHOTO_MAX_BYTES
    for position, upload in enumerate(uploads, start=1):
        called = _called(upload, position)
        if not upload.data:
            return [], f"{called} is empty. Please choose the photo again."
        if len(upload.data) > limit:
            return [], f"{called} is over {limit // (1024 * 1024)} MB. Please send a smaller photo."
        try:
            cleaned.append(media.clean_image(upload.data, formats=FORMATS, max_side=policy.RETURN_PHOTO_MAX_SIDE,
                                             shrink=True))
        except media.ImageRefused as refused:
            if refused.problem == media.TOO_LARGE:
                return [], f"{called} has too many pixels for us to open. Please send a smaller photo."
            return [], f"{called} is not a photo we can open. Please send a {KINDS} picture."
    return cleaned, None


def kept_photos(photos: list[media.CleanImage], model: type[P], moment: datetime, folder: str = FOLDER) -> list[P]:
    """Store the cleaned photos under new random names in ``folder`` (of the media
    folder's private part); returns their rows (a return's or a trial pair's) to attach."""
    return [model(name=media.keep_file(photo.body, photo.extension, folder), width=photo.width,
                  height=photo.height, size_bytes=len(photo.body), created_at=moment) for photo in photos]


def keep_photos(item: ReturnItem, photos: list[media.CleanImage], moment: datetime) -> None:
    """Store the cleaned photos and attach them to ``item``."""
    item.photos.extend(kept_photos(photos, ReturnPhoto, moment))


def photo_file(photo: ReturnPhoto) -> Path | None:
    """Where the photo's file is, for a staff page to send (None if it is missing)."""
    return media.kept_path(photo.name, FOLDER)


def content_type(photo: KeptPhoto) -> str:
    return "image/png" if photo.name.endswith(".png") else "image/jpeg"
