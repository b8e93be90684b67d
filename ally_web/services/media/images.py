"""Uploaded pictures, checked by their content and saved again as fresh files.

One path for every upload (a colour's picture from staff, a customer's photo of a
damaged pair):

- the bytes decide what the file is: Pillow must recognise and verify it as one of
  the formats the caller accepts; the file name and the browser's content type are
  never asked;
- its width × height is checked from the header before anything is decoded
  (``policy.PICTURE_MAX_AREA``), so a small file cannot unpack into gigabytes;
- it is decoded whole, turned upright (a phone's orientation tag), and written
  again: PNG stays PNG (lossless, may be transparent), anything else becomes JPEG.
  Nothing else of the upload survives: no EXIF (place, camera), no comments, no
  trailing data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ally_web import policy
from ally_web.core.errors import DomainError

# The problems a caller may word in its own way.
UNREADABLE = "unreadable"
WRONG_FORMAT = "format"
TOO_LARGE = "pixels"


class ImageRefused(DomainError):
    def __init__(self, problem: str, message: str):
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class CleanImage:
    body: bytes
    extension: str  # "png" or "jpg"
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return "image/png" if self.extension == "png" else "image/jpeg"


def _opened(data: bytes, formats: frozenset[str]) -> Image.Image:
    with Image.open(io.BytesIO(data)) as probe:
        if probe.format not in formats:
            raise ImageRefused(WRONG_FORMAT, "This file is not one of the picture types we take.")
        width, height = probe.size
        if width * height > policy.PICTURE_MAX_AREA:
            raise ImageRefused(TOO_LARGE, "This picture has too many pixels. Please send a smaller one.")
        probe.verify()  # checksums and structure; the image cannot be used after this
    return Image.open(io.BytesIO(data))


def clean_image(data: bytes, *, formats: frozenset[str], max_side: int, shrink: bool = False) -> CleanImage:
    """``data`` as a fresh PNG or JPEG, or ImageRefused. A longer side than
    ``max_side`` is refused, or scaled down when ``shrink``."""
    try:
        image = _opened(data, formats)
        with image:
            if max(image.size) > max_side and not shrink:
                raise ImageRefused(TOO_LARGE, f"The picture is larger than {max_side} pixels on its longest side.")
            keep_png = image.format == "PNG"
            if shrink and image.format == "JPEG":
                image.draft("RGB", (max_side, max_side))  # decode at a fraction of the size: less memory
            image.load()
            upright = ImageOps.exif_transpose(image)
            if shrink:
                upright.thumbnail((max_side, max_side))
            # Nothing of the upload's metadata is written back; a palette's transparent
            # colour is part of the picture, not metadata.
            upright.info = {k: v for k, v in upright.info.items() if k == "transparency"}
            out = io.BytesIO()
            if keep_png:
                upright.save(out, "PNG", optimize=True)
            else:
                if upright.mode != "RGB":
                    upright = upright.convert("RGB")
                upright.save(out, "JPEG", quality=88, optimize=True)
            return CleanImage(out.getvalue(), "png" if keep_png else "jpg", *upright.size)
    except ImageRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageRefused(UNREADABLE, "This file is not a picture we can read.") from None
