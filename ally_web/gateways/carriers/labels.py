"""Shipping labels: what a label needs, checked, and drawn as a 4×6 inch PDF.

The local carriers draw their labels here with reportlab: addresses, the service,
the weight and a Code 128 barcode of the tracking number. Deterministic: the same
request gives the same bytes.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ally_web import policy
from ally_web.core.errors import DomainError

LABEL_SIZE = (4 * inch, 6 * inch)  # 288 × 432 points, the thermal-printer standard
DEFAULT_PARCEL_GRAMS = 1200  # one boxed pair of heels


# --- Addresses and label requests ------------------------------------------------


@dataclass(frozen=True)
class Address:
    """A postal address as printed on a label."""

    name: str
    lines: tuple[str, ...]  # street lines, at most three
    city: str
    region: str  # state or province code, e.g. "NY"; may be empty abroad
    postal_code: str
    country_code: str = "US"  # ISO 3166-1 alpha-2
    phone: str = ""

    def __post_init__(self) -> None:
        # Accept a list (or a single string) for convenience; store a tuple so the
        # dataclass stays hashable and immutable.
        if isinstance(self.lines, str):
            object.__setattr__(self, "lines", (self.lines,))
        else:
            object.__setattr__(self, "lines", tuple(self.lines))


# ALLY's studio in Manhattan's Garment District: the return address on every label.
ALLY_STUDIO = Address(
    name="ALLY Studio",
    lines=("150 W 30th St", "Suite 1201"),
    city="New York",
    region="NY",
    postal_code="10001",
    country_code="US",
    phone=policy.CONTACT_PHONE,
)


@dataclass(frozen=True)
class LabelRequest:
    """What a label needs. `carrier` is a name from `carrier_names()`."""

    carrier: str
    tracking_number: str
    service: str  # e.g. "Ground", "2Day", "International Express"
    ship_to: Address
    order_number: str
    ship_from: Address = ALLY_STUDIO
    weight_grams: int = DEFAULT_PARCEL_GRAMS
    reference: str = ""  # free text, e.g. "Trial box" or "Exchange for #A1042"


# --- Label text ------------------------------------------------------------------

# reportlab's built-in PDF fonts (Helvetica & co.) only have glyphs for the
# WinAnsi (cp1252) character set, roughly Latin-1. Names such as "Zoë 王" or
# "Łucja" must still give a label, not a crash or a garbled box: characters the
# font has are kept as they are, others are transliterated (NFKD decomposition
# with the accents dropped, plus a few letters NFKD leaves alone), and whatever
# is left becomes "?". The carrier's systems read the barcode, not the name.
_TRANSLITERATE = {
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i",
    "Ŧ": "T", "ŧ": "t", "Ŋ": "N", "ŋ": "n", "ĸ": "k", "ſ": "s",
}


def _printable(ch: str) -> bool:
    if unicodedata.category(ch)[0] == "C":  # control, format, unassigned, private use
        return False
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def label_text(text: object) -> str:
    """`text` made safe for the label's fonts: one line, printable WinAnsi only."""
    out: list[str] = []
    for ch in str(text or ""):
        if ch in "\t\r\n\v\f\u2028\u2029\x85":
            out.append(" ")
        elif _printable(ch):
            out.append(ch)
        elif ch in _TRANSLITERATE:
            out.append(_TRANSLITERATE[ch])
        elif unicodedata.category(ch)[0] == "C":
            continue  # invisible control or format character: drop it
        elif unicodedata.category(ch) == "Zs":
            out.append(" ")
        else:
            parts = [c for c in unicodedata.normalize("NFKD", ch)
                     if not unicodedata.combining(c)]
            if all(_printable(c) for c in parts):
                out.extend(parts)  # nothing left of a stray combining mark: dropped
            else:
                out.append("?")
    return " ".join("".join(out).split())


# --- Checks on the request -------------------------------------------------------

_MAX_STREET_LINES = 3
_MAX_WEIGHT_GRAMS = 68_000  # 150 lb, the most FedEx and UPS take as one parcel


def _check_address(address: Address, field_name: str, who: str) -> None:
    if not label_text(address.name):
        raise DomainError(f"The {who} address needs a name.", field=field_name)
    lines = [label_text(line) for line in address.lines]
    if not any(lines):
        raise DomainError(f"The {who} address needs a street line.", field=field_name)
    if len([line for line in lines if line]) > _MAX_STREET_LINES:
        raise DomainError(f"The {who} address has more than {_MAX_STREET_LINES} street lines.",
                          field=field_name)
    if not label_text(address.city):
        raise DomainError(f"The {who} address needs a city.", field=field_name)
    code = address.country_code if isinstance(address.country_code, str) else ""
    if not re.fullmatch(r"[A-Za-z]{2}", code, re.ASCII):
        raise DomainError(f"The {who} address needs a two-letter country code.",
                          field=field_name)


def check_request(label: LabelRequest) -> None:
    _check_address(label.ship_to, "ship_to", "recipient's")
    _check_address(label.ship_from, "ship_from", "sender's")
    if not label_text(label.service):
        raise DomainError("Choose a shipping service.", field="service")
    if not label_text(label.order_number):
        raise DomainError("The label needs an order number.", field="order_number")
    weight = label.weight_grams
    if isinstance(weight, bool) or not isinstance(weight, int) \
            or not 0 < weight <= _MAX_WEIGHT_GRAMS:
        raise DomainError(f"The parcel weight must be between 1 and {_MAX_WEIGHT_GRAMS} grams.",
                          field="weight_grams")


# --- Drawing ---------------------------------------------------------------------

_REGULAR = "Helvetica"
_BOLD = "Helvetica-Bold"
_MARGIN = 12  # points
_MAX_TEXT = 300  # characters: more than a label line can show at any size
_COUNTRY_NAMES = {"US": "United States", **policy.INTERNATIONAL_COUNTRIES}


def _fit(text: str, font: str, size: float, width: float, min_size: float) -> tuple[str, float]:
    """Shrink `text` down to `min_size` to fit `width`, then cut it with an ellipsis."""
    while size > min_size and stringWidth(text, font, size) > width:
        size = max(min_size, size - 0.5)
    if stringWidth(text, font, size) <= width:
        return text, size
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…", size


def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Greedy word wrap into at most `max_lines`; the last line keeps the rest.
    A word too long for a line on its own is broken (after a hyphen if it has one)."""
    def fits(candidate: str) -> bool:
        return stringWidth(candidate, font, size) <= width

    words, lines = text.split(" "), list[str]()
    while words and len(lines) < max_lines - 1:
        line = words.pop(0)
        if not fits(line):
            cut = len(line) - 1
            while cut > 1 and not fits(line[:cut]):
                cut -= 1
            hyphen = line.rfind("-", 0, cut)
            cut = hyphen + 1 if hyphen > 0 else cut
            line, rest = line[:cut], line[cut:]
            words.insert(0, rest)
        while words and fits(f"{line} {words[0]}"):
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words:
        lines.append(" ".join(words))
    return lines


class _Writer:
    """Left-aligned lines from the top of a block downwards."""

    def __init__(self, canvas: Canvas, x: float, y: float, width: float):
        self.canvas, self.x, self.y, self.width = canvas, x, y, width

    def line(self, text: str, font: str = _REGULAR, size: float = 9,
             min_size: float | None = None, gap: float = 1.25, wrap: int = 1) -> None:
        """Draw `text`, shrunk to fit; too long still, it wraps onto up to `wrap`
        lines (an address is better split than cut), and only then is it cut."""
        text = label_text(text)[:_MAX_TEXT]  # more never fits; keeps fitting cheap
        min_size = min_size or size * 0.7
        if wrap > 1 and stringWidth(text, font, min_size) > self.width:
            size = max(min_size, size * 0.8)
            for part in _wrap(text, font, size, self.width, wrap):
                self.line(part, font, size, min_size, gap)
            return
        text, size = _fit(text, font, size, self.width, min_size)
        self.y -= size
        self.canvas.setFont(font, size)
        self.canvas.drawString(self.x, self.y, text)
        self.y -= size * (gap - 1)


def _address_lines(address: Address) -> list[str]:
    city_line = ", ".join(p for p in (label_text(address.city),
                                      " ".join(p for p in (label_text(address.region),
                                                           label_text(address.postal_code)) if p))
                          if p)
    return [label_text(line) for line in address.lines if label_text(line)] + [city_line]


def _country_line(address: Address) -> str:
    code = address.country_code.upper()
    return f"{_COUNTRY_NAMES.get(code, code).upper()} ({code})"


def _weight_text(grams: int) -> str:
    pounds = math.ceil(grams / 453.59237 * 10) / 10  # round up to the next 0.1 lb
    return f"{pounds:.1f} LB ({grams:,} g)"


def draw_label(carrier_name: str, number: str, label: LabelRequest) -> bytes:
    buffer = io.BytesIO()
    page_w, page_h = LABEL_SIZE
    # invariant=1: fixed dates and document id, so the same request gives the same
    # bytes. pageCompression=0: page streams stay readable (text is searchable in
    # tests; a label is a few KB either way).
    canvas = Canvas(buffer, pagesize=LABEL_SIZE, invariant=1, pageCompression=0)
    canvas.setTitle(f"{carrier_name} label {number}")
    canvas.setAuthor("ALLY")
    canvas.setSubject(label_text(f"Order {label.order_number}")[:_MAX_TEXT])
    canvas.setCreator("ally_web.gateways.carriers")
    width = page_w - 2 * _MARGIN
    left = _MARGIN

    def rule(y: float, thickness: float = 1.5) -> None:
        canvas.setLineWidth(thickness)
        canvas.line(left, y, page_w - _MARGIN, y)

    # FROM: small, top left; weight on the right of the same band.
    top = page_h - _MARGIN
    sender = label.ship_from
    w = _Writer(canvas, left, top, width * 0.62)
    w.line("FROM", _BOLD, 7)
    w.line(sender.name, _BOLD, 8)
    for text in _address_lines(sender):
        w.line(text, _REGULAR, 7.5)
    if sender.country_code.upper() != label.ship_to.country_code.upper():
        w.line(_country_line(sender), _REGULAR, 7.5)
    if sender.phone:
        w.line(sender.phone, _REGULAR, 7.5)
    right = _Writer(canvas, left + width * 0.66, top, width * 0.34)
    right.line("WEIGHT", _BOLD, 7)
    right.line(_weight_text(label.weight_grams), _BOLD, 8, min_size=6)
    y = min(w.y, right.y) - 5
    rule(y)

    # SHIP TO: the largest address block.
    recipient = label.ship_to
    w = _Writer(canvas, left, y - 6, width)
    w.line("SHIP TO", _BOLD, 8)
    w.line(recipient.name, _BOLD, 13, min_size=8, wrap=2)
    for text in _address_lines(recipient):
        w.line(text, _REGULAR, 12, min_size=8, wrap=2)
    w.line(_country_line(recipient), _BOLD, 11, min_size=8)
    if recipient.phone:
        w.line(recipient.phone, _REGULAR, 9)
    y = w.y - 5
    rule(y, 3)

    # Carrier and service in large type.
    w = _Writer(canvas, left, y - 6, width)
    w.line(carrier_name, _BOLD, 30, min_size=18, gap=1.15)
    w.line(label_text(label.service).upper(), _BOLD, 16, min_size=10)
    y = w.y - 5
    rule(y, 3)

    # Order number and reference, anchored to the foot of the label.
    reference = label_text(label.reference)
    foot_height = 14 * 1.25 + (9 * 1.25 if reference else 0)
    foot_top = _MARGIN + foot_height
    w = _Writer(canvas, left, foot_top, width)
    w.line(f"ORDER {label.order_number}", _BOLD, 14, min_size=9)
    if reference:
        w.line(f"REF: {reference}", _REGULAR, 9, min_size=7)
    rule(foot_top + 6)

    # Tracking barcode (Code 128) in the space between, as wide and as tall as
    # fits (at least half an inch tall), with the number in words under it.
    space = y - (foot_top + 6)
    readable, size = _fit(number, _BOLD, 13, width, 8)
    chrome = 14 + 8 + 3 + size + 4  # "TRACKING #", gaps, the readable number
    bar_height = max(36.0, min(62.0, space - chrome - 8))
    top = y - max(0.0, (space - chrome - bar_height) / 2 - 4)
    canvas.setFont(_BOLD, 8)
    canvas.drawString(left, top - 14, "TRACKING #")
    probe = Code128(number, barWidth=1, humanReadable=0, quiet=1)
    bar_width = min(1.6, width / probe.width)
    barcode = Code128(number, barWidth=bar_width, barHeight=bar_height,
                      humanReadable=0, quiet=1)
    bar_y = top - 22 - bar_height
    barcode.drawOn(canvas, left + (width - barcode.width) / 2, bar_y)
    canvas.setFont(_BOLD, size)
    canvas.drawCentredString(page_w / 2, bar_y - size - 3, readable)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def qr_svg(text: str, size_points: int = 180) -> bytes:
    """A QR code of ``text`` as SVG: what a drop-off counter scans from a phone."""
    from reportlab.graphics import renderSVG
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(label_text(text)[:_MAX_TEXT])
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size_points, size_points,
                      transform=[size_points / (x2 - x1), 0, 0, size_points / (y2 - y1), 0, 0])
    drawing.add(widget)
    return renderSVG.drawToString(drawing).encode()
