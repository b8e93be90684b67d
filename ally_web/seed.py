"""Demo data: the catalog, a lead-time notice, two staff accounts, and demo orders
(made-to-order pairs at every step among them).

Idempotent: every row is looked up by its natural key first, so running the seed
twice adds nothing.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import SYSTEM
from ally_web.extensions import db
from ally_web.models import (
    Colour,
    LeadTimeNotice,
    MovementReason,
    Staff,
    StaffRole,
    StockMovement,
    Style,
    Variant,
)
from ally_web.services import staff as staff_auth

COLOURS = {
    "black": ("Black Leather", "#1b1b1b"),
    "almond": ("Almond", "#d8b49a"),
    "cherry": ("Cherry Patent", "#9e1b32"),
    "navy-suede": ("Navy Suede", "#1f2a44"),
    "ivory": ("Ivory", "#efe6d6"),
    "silver": ("Silver Metallic", "#b8bcc2"),
}

STYLES: list[dict[str, Any]] = [
    dict(
        slug="classic-pump",
        name="The Classic Pump",
        tagline="The pointed pump we built the brand on, now in your exact size.",
        description=(
            "A pointed-toe pump on a slim heel, with a padded footbed and a heel cup shaped "
            "to stop slipping. It is the style our fitting pairs are cut from, and the one "
            "you can try at home."
        ),
        price_cents=29500,
        trial_eligible=True,
        material="Leather and suede",
        heel_height_mm=100,
        colours=["black", "almond", "cherry", "navy-suede"],
    ),
    dict(
        slug="strap-heel",
        name="The Strap Heel",
        tagline="Our pump's fit with a fine ankle strap, for evenings out.",
        description=(
            "The same last and fit as the Classic Pump, with a delicate ankle strap and a "
            "small buckle. Once your size is confirmed in the pump, it fits the same."
        ),
        price_cents=32500,
        trial_eligible=False,
        material="Leather",
        heel_height_mm=100,
        colours=["black", "almond", "silver"],
    ),
    dict(
        slug="slingback",
        name="The Slingback",
        tagline="An open back and a pointed toe: office to dinner.",
        description=(
            "A pointed slingback on the Classic Pump's last, with an elastic-lined strap "
            "that holds the heel without pinching."
        ),
        price_cents=31500,
        trial_eligible=False,
        material="Leather",
        heel_height_mm=85,
        colours=["black", "ivory"],
    ),
]

NOTICES = [
    dict(
        title="Lunar New Year",
        message=(
            "Our workshop partners close for the Lunar New Year holiday, so made-to-order "
            "pairs take a little longer in this period."
        ),
        extra_days=10,
        starts_on=date(2027, 1, 25),
        ends_on=date(2027, 2, 20),
    ),
]


def _demo_stock(sku: str, width: str) -> int:
    """Deterministic demo stock: most medium widths on the shelf, some sold out."""
    roll = int(hashlib.sha256(sku.encode()).hexdigest(), 16) % 10
    if width == "M":
        return 0 if roll < 2 else roll % 4 + 1
    return 0 if roll < 6 else 1


def seed_catalog() -> int:
    """Add the demo styles, colours and variants that are missing; returns rows added."""
    added = 0
    for position, spec in enumerate(STYLES):
        style = db.session.scalar(select(Style).where(Style.slug == spec["slug"]))
        if style is None:
            fields = {k: v for k, v in spec.items() if k != "colours"}
            style = Style(**fields, hs_code=policy.STYLE_HS_CODE,
                          origin_country=policy.STYLE_ORIGIN_COUNTRY, position=position)
            db.session.add(style)
            added += 1
        existing = {c.slug: c for c in style.colours}
        for colour_position, slug in enumerate(spec["colours"]):
            if slug in existing:
                continue
            name, hex_value = COLOURS[slug]
            colour = Colour(
                slug=slug,
                name=name,
                hex=hex_value,
                image=f"img/products/{spec['slug']}-{slug}.svg",
                position=colour_position,
            )
            style.colours.append(colour)
            added += 1
            for size in policy.SIZES:
                for width in policy.WIDTHS:
                    halves = int(size * 2)
                    sku = f"{spec['slug']}-{slug}-{halves:02d}{width}".upper()
                    variant = Variant(size_halves=halves, width=width, sku=sku, stock=_demo_stock(sku, width))
                    colour.variants.append(variant)
                    if variant.stock:  # the ledger opens with the demo count
                        opening = StockMovement(variant=variant, at=clock.now(), change=variant.stock,
                                                resulting=variant.stock, reason=MovementReason.COUNT_CORRECTION,
                                                note="Opening count")
                        opening.actor = SYSTEM
                        db.session.add(opening)
                    added += 1
    return added


def seed_notices() -> int:
    added = 0
    for spec in NOTICES:
        exists = db.session.scalar(
            select(LeadTimeNotice.id).where(
                LeadTimeNotice.title == spec["title"], LeadTimeNotice.starts_on == spec["starts_on"]
            )
        )
        if not exists:
            db.session.add(LeadTimeNotice(**spec))
            added += 1
    return added


def seed_staff() -> int:
    config = current_app.config
    added = 0
    for email, name, role in (
        (config["DEMO_STAFF_EMAIL"], "Sam Rivera", StaffRole.STYLIST),
        (config["DEMO_ADMIN_EMAIL"], "Alex Chen", StaffRole.ADMIN),
    ):
        if not db.session.scalar(select(Staff.id).where(Staff.email == email)):
            staff_auth.create_staff(email, name, config["DEMO_STAFF_PASSWORD"], role)
            added += 1
    return added


DEMO_DELIVERY_NOTE = "Demo delivery from the factory"


def seed_stock_history() -> int:
    """A delivery booked by the demo stylist, so the ledger and the audit log show
    a staff movement next to the opening counts."""
    from ally_web.core.actors import Actor
    from ally_web.services import catalog as catalog_service

    if db.session.scalar(select(StockMovement.id).where(StockMovement.note == DEMO_DELIVERY_NOTE)):
        return 0
    stylist = db.session.scalar(select(Staff).where(Staff.email == current_app.config["DEMO_STAFF_EMAIL"]))
    if stylist is None:
        return 0
    variant = _demo_variant("classic-pump", "almond", 16, "M")
    catalog_service.move_stock(variant.id, MovementReason.RECEIVED, 6, DEMO_DELIVERY_NOTE,
                               Actor.staff(stylist.id, stylist.name))
    return 1


DEMO_FIT_SESSION_HOURS = {0: ("10:00", "18:00"), 1: ("10:00", "18:00"), 2: ("10:00", "18:00"),
                          3: ("12:00", "20:00"), 4: ("10:00", "18:00"), 5: ("11:00", "15:00")}  # closed Sundays
DEMO_VIDEO_LINK = "https://meet.ally.nyc/fit-studio"


def seed_fit_sessions() -> int:
    """The fit stylists' weekly hours (New York time) and their video room, set by the
    demo stylist through the staff service (so the audit log shows it)."""
    from datetime import time

    from ally_web.core.actors import Actor
    from ally_web.services import fit_sessions

    stylist = db.session.scalar(select(Staff).where(Staff.email == current_app.config["DEMO_STAFF_EMAIL"]))
    if stylist is None or fit_sessions.weekly_hours():
        return 0
    actor = Actor.staff(stylist.id, stylist.name)
    fit_sessions.save_weekly_hours([
        fit_sessions.DayHours(weekday, True, time.fromisoformat(opens), time.fromisoformat(closes))
        for weekday, (opens, closes) in DEMO_FIT_SESSION_HOURS.items()], actor)
    fit_sessions.set_video_link(DEMO_VIDEO_LINK, actor)
    return len(DEMO_FIT_SESSION_HOURS) + 1


def seed_all() -> int:
    added = seed_catalog() + seed_notices() + seed_staff()
    db.session.flush()
    added += seed_stock_history() + seed_fit_sessions()
    base_url = current_app.config.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    with current_app.test_request_context(base_url=base_url):  # links in the demo emails
        added += seed_orders()
        added += seed_trials()
    db.session.flush()
    return added


# --- Demo orders ------------------------------------------------------------------

DEMO_ADDRESSES = {
    "US": dict(name="Jane Doe", phone="+1 212 555 0100", line1="350 Fifth Avenue", line2="Apt 21B",
               city="New York", region="NY", postal_code="10118", country="US"),
    "GB": dict(name="Amelia Hart", phone="+44 20 7946 0000", line1="12 Hanover Square", line2="",
               city="London", region="", postal_code="W1S 1JB", country="GB"),
}

# email, address, [(style, colour, size halves, width, quantity, made to order)], method, what happens next
DEMO_ORDERS = [
    ("jane.doe@example.com", "US", [("classic-pump", "black", 17, "M", 1, False)], "us-standard", "paid"),
    ("amelia.hart@example.co.uk", "GB", [("classic-pump", "cherry", 16, "M", 1, False)], "express", "shipped"),
    ("olivia.brown@example.com", "US", [("slingback", "black", 16, "M", 1, False)], "us-standard", "delivered"),
    ("grace.lee@example.com", "US", [("strap-heel", "silver", 15, "N", 1, True)], "us-standard", "paid"),
    ("maria.garcia@example.com", "US", [("classic-pump", "navy-suede", 22, "W", 1, True)], "us-standard", "paid"),
    # Made-to-order pairs at every step after the order (see _advance_made_to_order).
    ("sofia.rossi@example.com", "US", [("classic-pump", "almond", 16, "N", 1, True)], "us-standard",
     "fitting_shipped"),
    ("hannah.kim@example.com", "US", [("classic-pump", "cherry", 14, "M", 1, True)], "us-standard",
     "fitting_delivered"),
    ("chloe.martin@example.com", "US", [("strap-heel", "almond", 18, "W", 1, True)], "us-standard",
     "fit_submitted"),
    ("emma.wilson@example.com", "US", [("classic-pump", "black", 20, "N", 1, True)], "us-standard",
     "in_production"),
    ("ava.jones@example.com", "US", [("strap-heel", "black", 13, "M", 1, True)], "us-standard", "made"),
    ("lily.chen@example.com", "US", [("classic-pump", "navy-suede", 15, "M", 1, True)], "us-standard",
     "mto_delivered"),
    # Delivered pairs coming back (see DEMO_RETURNS).
    ("zoe.taylor@example.com", "US", [("strap-heel", "black", 16, "M", 1, False)], "us-standard", "delivered"),
    ("nora.walsh@example.com", "US", [("slingback", "ivory", 17, "M", 1, False)], "us-standard", "delivered"),
    ("ella.moore@example.com", "US", [("classic-pump", "almond", 16, "M", 2, False)], "us-standard", "delivered"),
]
# Paid in 4 installments instead of by card at once.
DEMO_INSTALLMENTS = {"ella.moore@example.com"}
MADE_TO_ORDER_STEPS = ("fitting_shipped", "fitting_delivered", "fit_submitted", "in_production", "made",
                       "mto_delivered")
# The parcels of the demo orders that have shipped.
DEMO_TRACKING = {
    "amelia.hart@example.co.uk": ("UPS", "1Z5R89390357567127"),
    "olivia.brown@example.com": ("FedEx", "794644790132"),
    "zoe.taylor@example.com": ("FedEx", "794644790149"),
    "nora.walsh@example.com": ("UPS", "1Z5R89390357567158"),
    "ella.moore@example.com": ("FedEx", "794644790156"),
}
# Grace's ALLY size is on file, so her made-to-order pair skips the fitting pair.
DEMO_KNOWN_SIZES = {"grace.lee@example.com": ("Grace Lee", 15, "N")}


def _demo_variant(style: str, colour: str, size_halves: int, width: str) -> Variant:
    return db.session.scalars(
        select(Variant).join(Colour).join(Style).where(
            Style.slug == style, Colour.slug == colour,
            Variant.size_halves == size_halves, Variant.width == width,
        )
    ).one()


def seed_orders() -> int:
    """Place the demo orders through the real checkout, paying on the sandbox."""
    from ally_web.core.actors import SYSTEM, Actor
    from ally_web.gateways.payments.sandbox import SandboxGateway, sandbox_authorize, sandbox_session
    from ally_web.models import Customer, Order
    from ally_web.services import cart as cart_service
    from ally_web.services import catalog as catalog_service
    from ally_web.services import checkout, orders
    from ally_web.services.checkout import Address

    added = 0
    gateway = SandboxGateway()
    stylist = db.session.scalar(select(Staff).where(Staff.email == current_app.config["DEMO_STAFF_EMAIL"]))
    packer = Actor.staff(stylist.id, stylist.name) if stylist else SYSTEM
    for email, (name, size, width) in DEMO_KNOWN_SIZES.items():
        if not db.session.scalar(select(Customer.id).where(Customer.email_canonical == email)):
            db.session.add(Customer(email=email, email_canonical=email, name=name, size_halves=size,
                                    width=width, created_at=clock.now()))
            added += 1
    for email, country, picks, method, outcome in DEMO_ORDERS:
        if db.session.scalar(select(Order.id).where(Order.email_canonical == email)):
            continue
        store: dict = {}
        for style, colour, size, width, quantity, made_to_order in picks:
            variant = _demo_variant(style, colour, size, width)
            wanted = 0 if made_to_order else max(variant.stock, quantity + 1)
            if wanted != variant.stock:  # through the ledger, like every count
                catalog_service.count_stock(variant.id, wanted, variant.stock, "Demo stock", SYSTEM, audit=False)
            cart_service.add_to_cart(variant.id, quantity, store)
        address = dict(DEMO_ADDRESSES[country])
        if email in DEMO_KNOWN_SIZES:
            address["name"] = DEMO_KNOWN_SIZES[email][0]
        installments = email in DEMO_INSTALLMENTS
        data = checkout.CheckoutInput(email=email, address=Address(**address), shipping_method=method,
                                      payment_mode="installments" if installments else "card",
                                      confirms_age=installments, confirms_us_residence=installments)
        started, _ = checkout.start_checkout(cart_service.load_cart(store), data, gateway,
                                             return_url="/checkout/return", cancel_url="/checkout/return")
        session_id = started.payment_session or ""
        payment = sandbox_session(session_id)
        assert payment is not None, "the sandbox just opened this session"
        sandbox_authorize(payment, "4242424242424242")
        order = checkout.complete_checkout(session_id, gateway)
        added += 1
        if outcome in ("shipped", "delivered"):
            carrier, number = DEMO_TRACKING[email]
            shipment = orders.ship_ready_pairs(order, carrier, number, packer)
            if outcome == "delivered":
                orders.mark_delivered(shipment, packer)
        if outcome in MADE_TO_ORDER_STEPS:
            _advance_made_to_order(order, outcome, packer, serial=added)
        if email in DEMO_RETURNS:
            _ask_for_return(order, DEMO_RETURNS[email], packer)
    return added


# Olivia's delivered pair is on its way back with a prepaid label; Lily tells us how
# her made-to-order pair fits; Zoe's pair arrived damaged (her photo waits for staff
# review); Nora's came back worn (refused at inspection, waiting to be sent back);
# Ella sent back one of two pairs paid in installments (the refund came off her plan).
DEMO_RETURNS = {"olivia.brown@example.com": ("return", "too_big"),
                "lily.chen@example.com": ("feedback", "heel_slips"),
                "zoe.taylor@example.com": ("return", "damaged"),
                "nora.walsh@example.com": ("return", "too_small"),
                "ella.moore@example.com": ("return", "too_big")}
# Returns already received and inspected: the note of a pair refused as worn, or ""
# for a pair accepted.
DEMO_INSPECTIONS = {"nora.walsh@example.com": "Demo: creased across the vamp, street grit on both soles.",
                    "ella.moore@example.com": ""}


def _demo_damage_photo() -> bytes:
    """A drawn photo of a heel with a torn strap, as a phone would take it (for the
    demo return and the demo trial damage fee)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 720), (236, 228, 214))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((180, 300, 760, 520), radius=90, fill=(24, 24, 24))
    draw.rectangle((660, 500, 700, 660), fill=(24, 24, 24))  # the heel
    draw.line((330, 300, 420, 180, 470, 230), fill=(24, 24, 24), width=26)  # the strap, torn
    draw.line((470, 230, 520, 160), fill=(190, 40, 40), width=8)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _ask_for_return(order, wish: tuple[str, str], packer) -> None:
    from ally_web.core.actors import CUSTOMER
    from ally_web.services import returns

    action, reason = wish
    line = order.lines[0]
    photos = [returns.Upload("IMG_4127.jpg", _demo_damage_photo())] if reason == "damaged" else []
    note = "Demo: the strap tore the first time I buckled it." if photos else "Demo: roomy at the heel."
    request = returns.create_request(order, returns.RequestInput(
        items=[returns.ItemInput(line.id, action, 1, reason, note, photos=photos)],
        conditions=set(returns.CONDITIONS)), CUSTOMER)
    if order.email in DEMO_INSPECTIONS:
        refused = DEMO_INSPECTIONS[order.email]
        returns.mark_received(request, packer)
        returns.inspect(request, {request.items[0].id: returns.Decision(not refused, refused)}, packer)


def _advance_made_to_order(order, outcome: str, packer, serial: int) -> None:
    """Walk a fitting-first pair through the real services up to ``outcome``. Hannah's
    fitting pair arrived four days past the overdue threshold (well clear of its edge,
    whatever the hour the seed runs), so the board shows an overdue loaner."""
    from datetime import timedelta

    from ally_web.core.actors import CARRIER, CUSTOMER
    from ally_web.models import ScanKind
    from ally_web.services import made_to_order, orders

    line = order.lines[0]
    reach = MADE_TO_ORDER_STEPS.index(outcome)
    days_out = policy.FITTING_PAIR_OVERDUE_DAYS + 4 if outcome == "fitting_delivered" else 1
    sent_at = clock.now() - timedelta(days=days_out + 2)
    with clock.freeze(sent_at):
        outbound = made_to_order.ship_fitting_pair(line, "UPS", f"1Z999AA1{serial:04d}000001",
                                                   f"1Z999AA1{serial:04d}000002", packer)
    if reach < 1:
        return
    with clock.freeze(sent_at + timedelta(days=2)):
        orders.record_scan(outbound, ScanKind.DELIVERED, clock.now(), CARRIER, "Front door")
    if reach < 2:
        return
    feet = {"toes": "room", "heel_gap": "none", "width": "right", "toe_box": "right", "heel_slip": "slips",
            "arch": "right", "comfort": "comfortable"}
    answers = made_to_order.FitAnswers(answers={"left": dict(feet), "right": dict(feet)}, card_size="8 1/2")
    made_to_order.submit_fit_result(line, answers, CUSTOMER)
    if reach < 3:
        return
    result = line.fit_result
    made_to_order.confirm_fit(line, result.chosen_size_halves, result.chosen_width, "Demo: confirmed as suggested.",
                              packer)
    if reach < 4:
        return
    made_to_order.mark_made(line, packer)
    if reach < 5:
        return
    shipment = orders.ship_ready_pairs(order, "FedEx", f"79464479{serial:04d}", packer)
    orders.mark_delivered(shipment, packer)
    if line.fitting_return is not None:
        orders.record_scan(line.fitting_return, ScanKind.DELIVERED, clock.now(), CARRIER, "ALLY studio")


# --- Demo trial boxes -------------------------------------------------------------

# email, name, how far it got: one box waits in the fitting team's queue, one is with
# the carrier (a new pair and a sample), one is delivered with its window open, and in
# one the customer kept a pair and sends the sample back; in the last the sample came
# back scuffed and carries the damage fee with staff's photo, so /admin/trials shows
# each queue and the customer's trial page each step.
DEMO_TRIALS = [
    ("nina.patel@example.com", "Nina Patel", "requested"),
    ("ruth.adams@example.com", "Ruth Adams", "shipped"),
    ("lena.brooks@example.com", "Lena Brooks", "delivered"),
    ("maya.chen@example.com", "Maya Chen", "decided"),
    ("iris.novak@example.com", "Iris Novak", "damaged"),
]
DEMO_TRIAL_FIT = dict(size="8.5", width="M", other_brands="Sam Edelman 8.5, Stuart Weitzman 8",
                      foot_notes=["narrow_heel"], foot_other="", heel_comfort="mid")
DEMO_TRIAL_COLOURS = dict(colour_1="black", colour_2="almond", colour_3="", condition="either")
DEMO_TRIAL_TRACKING = "1ZALLYDEMO00000001"


def seed_trials() -> int:
    """Ask for the demo trial boxes through the real sign-up (sandbox card page), then
    curate, ship, deliver and decide them as the fitting team, the carrier and the
    customer would."""
    from ally_web.core.actors import CARRIER, CUSTOMER, Actor
    from ally_web.gateways.payments.sandbox import SandboxGateway, sandbox_save_card, sandbox_session
    from ally_web.models import TrialBox
    from ally_web.services import catalog as catalog_service
    from ally_web.services import returns, trial

    added = 0
    gateway = SandboxGateway()
    stylist = db.session.scalar(select(Staff).where(Staff.email == current_app.config["DEMO_STAFF_EMAIL"]))
    fitter = Actor.staff(stylist.id, stylist.name) if stylist else SYSTEM
    if trial.trial_style() is None:
        return 0
    for number, (email, name, outcome) in enumerate(DEMO_TRIALS):
        if db.session.scalar(select(TrialBox.id).where(TrialBox.email_canonical == email)):
            continue
        box = trial.start_draft()
        trial.save_step(box, "fit", DEMO_TRIAL_FIT)
        trial.save_step(box, "colours", DEMO_TRIAL_COLOURS)
        trial.save_step(box, "address", {**DEMO_ADDRESSES["US"], "email": email, "name": name})
        trial.start_card_setup(box, gateway, "/trial/card-return", "/trial/card")
        session_id = box.setup_session or ""
        session = sandbox_session(session_id)
        assert session is not None, "the sandbox just opened this page"
        sandbox_save_card(session, "4242424242424242")
        box = trial.complete_card_setup(session_id, gateway)
        added += 1
        if outcome == "requested":
            continue
        black = _demo_variant("classic-pump", "black", 17, "M")
        if black.stock < 2:  # through the ledger, like every count
            catalog_service.count_stock(black.id, 2, black.stock, "Demo stock", SYSTEM, audit=False)
        trial.add_pair(box, "black", 17, "M", "new", fitter)
        trial.add_pair(box, "almond", 17, "M", "sample", fitter)
        for pair in box.pairs:
            trial.set_checklist(box, pair.id, set(trial.CHECKLIST), fitter)
        trial.box_ready(box, fitter)
        parcel = trial.ship(box, "UPS", f"{DEMO_TRIAL_TRACKING[:-2]}{number + 1:02d}", fitter)
        if outcome == "shipped":
            continue
        trial.record_scan(box, parcel.id, "delivered", clock.now(), CARRIER)
        if outcome in ("decided", "damaged"):
            new, sample = box.current_pairs
            trial.decide(box, {new.id: "keep", sample.id: "return"}, CUSTOMER)
        if outcome == "damaged":
            trial.receive(box, fitter)
            trial.inspect(box, {sample.id: (False, "The right heel tip is worn through and the sole is scuffed.")},
                          fitter, photos={sample.id: [returns.Upload("heel.jpg", _demo_damage_photo())]})
    return added


def demo_order() -> tuple[str, str] | None:
    """One demo order's email and number, for the serve script to print."""
    from ally_web.models import Order

    row = db.session.execute(
        select(Order.email, Order.number).where(Order.email_canonical == DEMO_ORDERS[0][0])
    ).first()
    return (row.email, row.number) if row else None
