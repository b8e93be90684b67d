"""Carriers: tracking-number formats, tracking links, and the locally made 4×6 label.

Labels are made with page compression off, so the tests read the PDF's page
stream directly: its text operators, its MediaBox, and the barcode's bars, which
are decoded here as Code 128 (with an independent pattern table) to prove the
barcode carries the tracking number.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ally_web import policy
from ally_web.core.errors import DomainError
from ally_web.gateways.carriers import (
    ALLY_STUDIO,
    Address,
    Carrier,
    LabelRequest,
    LocalFedEx,
    LocalUPS,
    carrier_names,
    get_carrier,
    label_text,
)

UPS_NUMBER = "1Z999AA10123456784"  # UPS's published sample number (valid check digit)
FEDEX_12 = "123456789012"
FEDEX_15 = "123456789012345"
FEDEX_20 = "12345678901234567890"
FEDEX_22 = "1234567890123456789012"

BROOKLYN = Address(
    name="Maya Okafor",
    lines=("245 Grand St", "Apt 3F"),
    city="Brooklyn",
    region="NY",
    postal_code="11211",
)


def request(carrier: str = "UPS", number: str = UPS_NUMBER, **changes) -> LabelRequest:
    fields = dict(carrier=carrier, tracking_number=number, service="Ground",
                  ship_to=BROOKLYN, order_number="A1042")
    fields.update(changes)
    return LabelRequest(**fields)


def label(carrier: str = "UPS", number: str = UPS_NUMBER, **changes) -> bytes:
    return get_carrier(carrier).make_label(request(carrier, number, **changes))


def shown(text: str) -> bytes:
    """`text` as reportlab writes it in a `(...) Tj` operator: WinAnsi bytes, with
    parentheses and backslashes escaped and bytes past ASCII in octal."""
    out = bytearray()
    for byte in text.encode("cp1252"):
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif byte > 126:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return b"(" + bytes(out) + b") Tj"


def texts(pdf: bytes) -> list[tuple[float, float, bytes]]:
    """(x, y, string) of each line of text the page draws."""
    return [(float(x), float(y), s) for x, y, s in
            re.findall(rb"1 0 0 1 ([-\d.]+) ([-\d.]+) Tm \(((?:\\.|[^\\)])*)\) Tj", pdf)]


# --- A small Code 128 reader -------------------------------------------------------

# Bar/space widths in modules of symbol values 0..106 (103–105 start A/B/C, 106 stop).
CODE128_WIDTHS = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 "
    "221312 231212 112232 122132 122231 113222 123122 123221 223211 221132 "
    "221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 "
    "231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 "
    "231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 "
    "111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 "
    "114131 311141 411131 211412 211214 211232 2331112"
).split()
SYMBOLS = {widths: value for value, widths in enumerate(CODE128_WIDTHS)}


def read_barcode(pdf: bytes) -> str:
    """Decode the Code 128 drawn as filled rectangles on the page."""
    bars = [(float(x), float(w), float(h)) for x, w, h in
            re.findall(rb"n ([\d.]+) 0 ([\d.]+) ([\d.]+) re f\*", pdf)]
    assert len(bars) > 20, "no barcode on the label"
    module = min(w for _, w, _ in bars)
    widths: list[int] = []
    for i, (x, w, _) in enumerate(bars):
        if i:
            prev_x, prev_w, _ = bars[i - 1]
            widths.append(round((x - prev_x - prev_w) / module))  # the space before
        widths.append(round(w / module))
    widths.append(0)  # the stop pattern ends on a bar; pad for the last group
    values = [SYMBOLS["".join(map(str, widths[i:i + 6]))] for i in range(0, len(widths) - 8, 6)]
    assert "".join(map(str, widths[-8:-1])) == CODE128_WIDTHS[106], "no stop pattern"
    *data, check = values
    assert sum(v * max(i, 1) for i, v in enumerate(data)) % 103 == check, "bad checksum"
    start, *data = data
    code = {103: "A", 104: "B", 105: "C"}[start]
    switches = {"A": {99: "C", 100: "B"}, "B": {99: "C", 101: "A"}, "C": {100: "B", 101: "A"}}
    out = []
    for v in data:
        if v in switches[code]:
            code = switches[code][v]
        elif code == "C" and v < 100:
            out.append(f"{v:02d}")
        elif code in "AB" and v < 96:
            out.append(chr(v + 32) if code == "B" or v < 64 else chr(v - 64))
        else:
            raise AssertionError(f"unexpected symbol {v} in code set {code}")
    return "".join(out)


# --- Carriers ------------------------------------------------------------------------


def test_carrier_names_come_from_policy():
    assert carrier_names() == policy.US_CARRIERS == ("FedEx", "UPS")


@pytest.mark.parametrize("name", ["FedEx", "UPS"])
def test_every_policy_carrier_has_a_default(name):
    carrier = get_carrier(name)
    assert isinstance(carrier, Carrier)
    assert carrier.name == name


@pytest.mark.parametrize("name, cls", [
    ("fedex", LocalFedEx), ("FEDEX", LocalFedEx), (" FedEx ", LocalFedEx),
    ("ups", LocalUPS), ("Ups", LocalUPS),
])
def test_get_carrier_ignores_case(name, cls):
    assert isinstance(get_carrier(name), cls)


@pytest.mark.parametrize("name", ["DHL", "USPS", "", "   ", "Fed Ex", "UPS Ground", None])
def test_unknown_carrier_refused(name):
    with pytest.raises(DomainError) as caught:
        get_carrier(name)
    assert caught.value.field == "carrier"
    assert "FedEx" in caught.value.message and "UPS" in caught.value.message


# --- Tracking numbers ------------------------------------------------------------


@pytest.mark.parametrize("typed", [
    UPS_NUMBER,
    "1z999aa10123456784",
    "1Z 999 AA1 01 2345 678 4",
    "1Z-999-AA1-0123-4567-84",
    " 1Z999AA10123456784\t",
    "1Z\u00a0999\u2013AA1\u201401234567 84",  # no-break space, en and em dashes
])
def test_ups_numbers_normalized(typed):
    assert get_carrier("UPS").validate_tracking_number(typed) == UPS_NUMBER


@pytest.mark.parametrize("typed", [
    "",
    "   ",
    "1Z999AA1012345678",  # 17 characters
    "1Z999AA101234567845",  # 19 characters
    "2Z999AA10123456784",  # wrong prefix
    "Z1999AA10123456784",
    "1Z999AA1012345678!",
    "1Z999AA1012345678Ä",
    "1Z999AA10123456７8",  # a full-width digit is not an ASCII digit
    FEDEX_12,
    "1Z" + "9" * 1000,
    None,
])
def test_bad_ups_numbers_refused(typed):
    with pytest.raises(DomainError) as caught:
        get_carrier("UPS").validate_tracking_number(typed)
    assert caught.value.field == "tracking_number"
    assert "1Z" in caught.value.message and "18" in caught.value.message


@pytest.mark.parametrize("typed, number", [
    (FEDEX_12, FEDEX_12),
    ("1234 5678 9012", FEDEX_12),
    ("1234-5678-9012", FEDEX_12),
    (FEDEX_15, FEDEX_15),
    (FEDEX_20, FEDEX_20),
    ("1234 5678 9012 3456 7890 12", FEDEX_22),
])
def test_fedex_numbers_normalized(typed, number):
    assert get_carrier("FedEx").validate_tracking_number(typed) == number


@pytest.mark.parametrize("length", [1, 11, 13, 14, 16, 19, 21, 23, 34])
def test_fedex_wrong_length_refused(length):
    with pytest.raises(DomainError) as caught:
        get_carrier("FedEx").validate_tracking_number("7" * length)
    assert caught.value.field == "tracking_number"
    assert "12, 15, 20 or 22 digits" in caught.value.message


@pytest.mark.parametrize("typed", ["", "12345678901A", UPS_NUMBER,
                                   "١٢٣٤٥٦٧٨٩٠١٢", None])  # Arabic-Indic digits
def test_bad_fedex_numbers_refused(typed):
    with pytest.raises(DomainError) as caught:
        get_carrier("FedEx").validate_tracking_number(typed)
    assert caught.value.field == "tracking_number"


def test_tracking_urls():
    assert get_carrier("UPS").tracking_url("1z 999 aa1 0123 4567 84") == \
        "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert get_carrier("FedEx").tracking_url("1234-5678-9012") == \
        "https://www.fedex.com/fedextrack/?trknbr=123456789012"


@pytest.mark.parametrize("carrier, number", [("UPS", "1Z12"), ("FedEx", "12&x=<script>")])
def test_tracking_url_refuses_bad_numbers(carrier, number):
    with pytest.raises(DomainError) as caught:
        get_carrier(carrier).tracking_url(number)
    assert caught.value.field == "tracking_number"


# --- Labels ---------------------------------------------------------------------


@pytest.mark.parametrize("carrier, number", [("UPS", UPS_NUMBER), ("FedEx", FEDEX_12),
                                             ("FedEx", FEDEX_22)])
def test_label_is_one_4x6_pdf_page(carrier, number):
    pdf = label(carrier, number)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.\s]+?)\s*\]", pdf)
    assert [box.split() for box in boxes] == [[b"0", b"0", b"288", b"432"]]


@pytest.mark.parametrize("carrier, number", [("UPS", UPS_NUMBER), ("FedEx", FEDEX_15)])
def test_label_shows_the_shipment(carrier, number):
    pdf = label(carrier, number, service="International Express", reference="Trial box")
    for text in [number, carrier, "INTERNATIONAL EXPRESS", "ORDER A1042", "REF: Trial box",
                 "FROM", ALLY_STUDIO.name, "150 W 30th St", "New York, NY 10001",
                 "SHIP TO", "Maya Okafor", "245 Grand St", "Apt 3F", "Brooklyn, NY 11211",
                 "UNITED STATES (US)", "2.7 LB (1,200 g)"]:
        assert shown(text) in pdf, text


@pytest.mark.parametrize("carrier, number", [("UPS", UPS_NUMBER), ("FedEx", FEDEX_12),
                                             ("FedEx", FEDEX_15), ("FedEx", FEDEX_22)])
def test_label_barcode_reads_as_the_tracking_number(carrier, number):
    assert read_barcode(label(carrier, number)) == number


def test_label_uses_the_normalized_number():
    pdf = label("UPS", "1z 999 aa1 0123 4567 84")
    assert shown(UPS_NUMBER) in pdf
    assert read_barcode(pdf) == UPS_NUMBER


def test_label_is_deterministic():
    assert label() == label()
    assert label() != label(number="1Z999AA10123456785")


def test_international_label_names_both_countries():
    london = Address("Harriet Vane", ["221B Baker Street"], "London", "", "NW1 6XE", "gb")
    pdf = label("FedEx", FEDEX_12, service="International Express", ship_to=london)
    assert shown("UNITED KINGDOM (GB)") in pdf
    assert shown("UNITED STATES (US)") in pdf  # the sender's country, abroad
    assert shown("London, NW1 6XE") in pdf


def test_weight_is_shown_in_pounds_rounded_up():
    assert shown("0.1 LB (1 g)") in label(weight_grams=1)
    assert shown("2.3 LB (1,000 g)") in label(weight_grams=1000)


@pytest.mark.parametrize("name, on_label", [
    ("Zoë 王", "Zoë ?"),
    ("Łucja Dąbrowska", "Lucja Dabrowska"),
    ("Nguyễn Thị Hoa", "Nguyen Thi Hoa"),
    ("محمد", "????"),
    ("Ana 💃", "Ana ?"),
    ("Ｊｏｈｎ", "John"),
])
def test_non_latin1_names_do_not_crash(name, on_label):
    ship_to = Address(name, [f"{name} Street 1"], name, "NY", "10001")
    pdf = label(ship_to=ship_to, reference=name)
    assert pdf.startswith(b"%PDF")
    assert shown(on_label) in pdf
    assert read_barcode(pdf) == UPS_NUMBER


@pytest.mark.parametrize("raw, clean", [
    ("Zoë 王", "Zoë ?"),
    ("Crème brûlée", "Crème brûlée"),  # Latin-1 is kept as it is
    ("Café\u0301", "Café"),  # a stray combining accent is dropped
    ("ﬁne", "fine"),
    ("Łódź", "Lódz"),  # ó is Latin-1; Ł and ź are not
    ("a\nb\tc\r\nd", "a b c d"),
    ("zero\u200bwidth\x00", "zerowidth"),
    ("  lots   of   space  ", "lots of space"),
    ("\ud800", ""),  # a lone surrogate
    ("", ""),
    (None, ""),
])
def test_label_text(raw, clean):
    assert label_text(raw) == clean


@given(st.text(max_size=120))
def test_any_text_gives_a_label(text):
    ship_to = Address("N " + text, ["1 " + text], "C " + text, text, text, "US")
    pdf = label(ship_to=ship_to, reference=text, service="S " + text)
    assert pdf.startswith(b"%PDF")
    assert read_barcode(pdf) == UPS_NUMBER
    label_text(text).encode("cp1252")  # never raises


def test_crowded_label_stays_on_the_page():
    crowded = Address(
        "Wolfeschlegelsteinhausenbergerdorff-Montgomery-Featherstonehaugh 王小明",
        ["Flat 3, 221B Baker Street with a very long line that goes on and on and on"] * 3,
        "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch", "Anglesey", "LL61 5UJ",
        "GB", phone="+44 20 7946 0958")
    sender = Address("ALLY Studio", ["150 W 30th St", "Suite 1201", "Attn: Returns"],
                     "New York", "NY", "10001", phone=policy.CONTACT_PHONE)
    pdf = label("FedEx", FEDEX_22, service="International Express Freight Priority",
                ship_to=crowded, ship_from=sender, weight_grams=68_000,
                order_number="A" * 200, reference="x " * 500)
    drawn = texts(pdf)
    assert drawn and all(0 <= x < 288 and 0 < y < 432 for x, y, _ in drawn)
    origin = re.search(rb"1 0 0 1 ([\d.]+) ([\d.]+) cm\nn ", pdf)
    assert origin, "barcode not found"
    top_of_order = max(y for _, y, s in drawn if s.startswith(b"ORDER"))
    number_y = next(y for _, y, s in drawn if s == FEDEX_22.encode())
    assert number_y > top_of_order + 14  # the number sits above the order block
    assert float(origin.group(2)) > number_y  # and the bars above the number
    assert read_barcode(pdf) == FEDEX_22


# --- Refused label requests ------------------------------------------------------


def test_label_for_another_carrier_refused():
    with pytest.raises(DomainError) as caught:
        get_carrier("FedEx").make_label(request("UPS"))
    assert caught.value.field == "carrier"


@pytest.mark.parametrize("carrier, number", [("UPS", FEDEX_12), ("FedEx", UPS_NUMBER),
                                             ("UPS", "")])
def test_label_with_bad_tracking_number_refused(carrier, number):
    with pytest.raises(DomainError) as caught:
        label(carrier, number)
    assert caught.value.field == "tracking_number"


@pytest.mark.parametrize("changes, field", [
    ({"ship_to": Address("", ["1 Main St"], "Albany", "NY", "12207")}, "ship_to"),
    ({"ship_to": Address("王", ["1 Main St"], "", "NY", "12207")}, "ship_to"),
    ({"ship_to": Address("Kim", [], "Albany", "NY", "12207")}, "ship_to"),
    ({"ship_to": Address("Kim", ["a", "b", "c", "d"], "Albany", "NY", "12207")}, "ship_to"),
    ({"ship_to": Address("Kim", ["1 Main St"], "Albany", "NY", "12207", "USA")}, "ship_to"),
    ({"ship_from": Address("ALLY", ["1 Main St"], "New York", "NY", "10001", "")}, "ship_from"),
    ({"service": " "}, "service"),
    ({"order_number": ""}, "order_number"),
    ({"weight_grams": 0}, "weight_grams"),
    ({"weight_grams": -5}, "weight_grams"),
    ({"weight_grams": 68_001}, "weight_grams"),
    ({"weight_grams": 1.5}, "weight_grams"),
    ({"weight_grams": True}, "weight_grams"),
])
def test_bad_label_requests_refused(changes, field):
    with pytest.raises(DomainError) as caught:
        label(**changes)
    assert caught.value.field == field


def test_defaults():
    req = request()
    assert req.ship_from == ALLY_STUDIO
    assert req.weight_grams == 1200
    assert ALLY_STUDIO.city == "New York" and ALLY_STUDIO.region == "NY"
    assert Address("A", "1 Main St", "B", "NY", "1").lines == ("1 Main St",)
