"""Colour pictures uploaded by staff: checked by their content, never trusted.

- PNG and JPEG go through ``services/media`` like every uploaded picture: opened and
  verified by Pillow (the bytes decide the format, not the file name or the
  browser's content type), size-checked, and saved again as a fresh file: whatever
  else the upload carried (metadata, trailing data) is left behind.
- SVG is parsed with defusedxml (no entity expansion, no external entities) and
  rebuilt from an allowlist of drawing elements and attributes: scripts, event
  handlers, foreign objects, styles and any reference outside the file itself are
  dropped.
- The file is stored under a random name in the media folder (``media.keep_file``);
  the name, not the upload's, is what the catalog keeps. Checking (``clean_picture``)
  and keeping (``keep_picture``) are apart, so a colour refused for any reason is
  refused before its file is written; ``discard_picture`` removes one kept for a
  change that failed after all.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # builds the clean tree only; parsing is defusedxml's
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET

from ally_web import policy
from ally_web.core.errors import DomainError
from ally_web.services import media

MEDIA_PREFIX = "media/"  # Colour.image values of uploaded pictures start with this
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

SVG_ELEMENTS = {
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "title", "desc",
    "defs", "linearGradient", "radialGradient", "stop", "clipPath", "mask", "use", "symbol",
}
SVG_ATTRIBUTES = {
    "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "d", "points",
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
    "stroke-linejoin", "stroke-dasharray", "opacity", "transform", "id", "offset", "stop-color", "stop-opacity",
    "gradientUnits", "gradientTransform", "clip-path", "clip-rule", "mask", "preserveAspectRatio", "role",
    "aria-label", "fx", "fy", "spreadMethod", "clipPathUnits", "maskUnits",
}
LOCAL_REF = re.compile(r"^#[A-Za-z][\w.-]*$")
URL_VALUE = re.compile(r"url\(\s*['\"]?([^)'\"]*)['\"]?\s*\)")


class PictureRefused(DomainError):
    def __init__(self, message: str):
        super().__init__(message, field="picture")


def _local_name(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _clean_value(value: str) -> str | None:
    """Keep a value only if every url(...) in it points inside the file."""
    for target in URL_VALUE.findall(value):
        if not LOCAL_REF.match(target.strip()):
            return None
    if re.search(r"(?i)javascript:|data:|expression\(", value):
        return None
    return value


def _clean_element(source: ET.Element) -> ET.Element | None:
    ns, name = _local_name(source.tag)
    if ns != SVG_NS or name not in SVG_ELEMENTS:
        return None
    clean = ET.Element(f"{{{SVG_NS}}}{name}")
    for key, value in source.attrib.items():
        key_ns, key_name = _local_name(key)
        if key_name == "href" and key_ns in ("", XLINK_NS):
            if LOCAL_REF.match(value.strip()):  # <use href="#shape">: inside the file only
                clean.set("href", value.strip())
            continue
        if key_ns or key_name not in SVG_ATTRIBUTES:
            continue  # on* handlers, style, foreign attributes…
        kept = _clean_value(value)
        if kept is not None:
            clean.set(key_name, kept)
    if name in ("title", "desc") and source.text:
        clean.text = source.text[:500]
    for child in source:
        cleaned = _clean_element(child)
        if cleaned is not None:
            clean.append(cleaned)
    return clean


def sanitize_svg(data: bytes) -> bytes:
    """An SVG with nothing but drawing in it, or PictureRefused."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except Exception:  # defusedxml's refusals and XML syntax errors alike
        raise PictureRefused("This SVG could not be read. Export it again as a plain SVG file.") from None
    if _local_name(root.tag) != (SVG_NS, "svg"):
        raise PictureRefused("This file is not an SVG picture.")
    clean = _clean_element(root)
    assert clean is not None
    ET.register_namespace("", SVG_NS)
    return ET.tostring(clean, encoding="utf-8", xml_declaration=True)


PICTURE_FORMATS = frozenset({"PNG", "JPEG"})


def _reencode(data: bytes) -> tuple[bytes, str]:
    try:
        clean = media.clean_image(data, formats=PICTURE_FORMATS, max_side=policy.COLOUR_PICTURE_MAX_PIXELS)
    except media.ImageRefused as refused:
        raise PictureRefused({
            media.WRONG_FORMAT: "Upload the picture as SVG, PNG or JPEG.",
            media.TOO_LARGE: f"The picture is larger than {policy.COLOUR_PICTURE_MAX_PIXELS} pixels on its "
                             "longest side. Please make it smaller.",
        }.get(refused.problem, "This file is not a picture we can read. Upload an SVG, PNG or JPEG.")) from None
    return clean.body, clean.extension


@dataclass(frozen=True)
class CleanPicture:
    body: bytes
    extension: str


def clean_picture(data: bytes) -> CleanPicture:
    """Check and clean an uploaded picture (PictureRefused); nothing is written."""
    if not data:
        raise PictureRefused("The file is empty. Choose the picture again.")
    if len(data) > policy.COLOUR_PICTURE_MAX_BYTES:
        raise PictureRefused(f"The picture is over {policy.COLOUR_PICTURE_MAX_BYTES // 1024} KB. "
                             "Please upload a smaller file.")
    head = data[:512].lstrip()
    if head.startswith(b"<"):  # text: only an SVG may be text
        return CleanPicture(sanitize_svg(data), "svg")
    return CleanPicture(*_reencode(data))


def keep_picture(picture: CleanPicture) -> str:
    """Write a cleaned picture to the media folder; returns the value for Colour.image."""
    return MEDIA_PREFIX + media.keep_file(picture.body, picture.extension)


def discard_picture(image: str) -> None:
    """Remove a picture ``keep_picture`` wrote (no other file: the demo's are not ours)."""
    if image.startswith(MEDIA_PREFIX):
        media.discard_file(image.removeprefix(MEDIA_PREFIX))
