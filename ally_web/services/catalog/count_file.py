"""Stock counts by file: export the shelf as CSV, import a count with a preview.

Importing is two steps. ``preview_count_file`` reads the file and answers, per
line, the count on record, the count in the file and the difference, or what is
wrong with the line; nothing is written. Only a file without errors can be applied:
the preview hands the page its changes signed with the app's secret (``signed_plan``,
a salt of its own), so an altered or made-up plan is refused (``PlanRefused``) before
anything is read or written. ``apply_count_file`` writes every change as a
count-correction movement in the caller's one transaction, and only if each count on
record is still the one the preview showed. If a sale or another movement changed one
meanwhile, nothing is applied and staff are told which sizes (``CountsMoved``; preview
again to see the new counts).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ally_web import policy
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.models import Colour, Variant
from ally_web.services.audit import record_audit
from ally_web.services.catalog.stock import count_stock, lock_stock, variant_label

EXPORT_COLUMNS = ("sku", "style", "colour", "size", "width", "stock")
MAX_COUNT = 100_000
PLAN_SALT = "count-file-plan"


def _cell(text: str) -> str:
    """A name as a spreadsheet shows it, never as a formula (=, +, -, @ lead one)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_stock_csv() -> str:
    """Every variant (hidden ones too: they may still be on the shelf), one a line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    variants = db.session.scalars(
        select(Variant).options(joinedload(Variant.colour).joinedload(Colour.style))
        .order_by(Variant.colour_id, Variant.size_halves, Variant.width)
    )
    for v in variants:
        writer.writerow((v.sku, _cell(v.colour.style.name), _cell(v.colour.name), v.size_label, v.width, v.stock))
    return out.getvalue()


@dataclass(frozen=True)
class CountRow:
    line: int
    variant_id: int
    sku: str
    label: str
    old: int
    new: int

    @property
    def difference(self) -> int:
        return self.new - self.old


@dataclass
class CountPreview:
    rows: list[CountRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, what is wrong)

    @property
    def changes(self) -> list[CountRow]:
        return [row for row in self.rows if row.difference]

    def signed_plan(self, file_name: str) -> str:
        """The changes and the file's name as the apply form carries them, signed;
        "" when the file has errors or changes nothing (then there is nothing to apply)."""
        if self.errors or not self.changes:
            return ""
        changes = [[r.variant_id, r.old, r.new] for r in self.changes]
        return _serializer().dumps({"changes": changes, "file": file_name[:120]})


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=PLAN_SALT)


class PlanRefused(Exception):
    """The plan posted back is not one a preview signed (altered, made up, or empty)."""


class CountsMoved(DomainError):
    """Counts on record changed since the preview; nothing was applied."""

    def __init__(self, message: str):
        super().__init__(message, field="file")


class CountFileRefused(DomainError):
    def __init__(self, message: str):
        super().__init__(message, field="file")


def _text(data: bytes) -> str:
    if not data:
        raise CountFileRefused("The file is empty. Choose the count file again.")
    if len(data) > policy.COUNT_FILE_MAX_BYTES:
        raise CountFileRefused(f"The file is over {policy.COUNT_FILE_MAX_BYTES // 1024} KB: "
                               "is it the right one? Export stock for the expected layout.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CountFileRefused("The file is not a CSV text file (UTF-8). Save it as CSV and try again.") from None


def preview_count_file(data: bytes) -> CountPreview:
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        raise CountFileRefused("The file has no header line. It needs columns sku and stock.") from None
    count_column = "count" if "count" in header else "stock"
    if "sku" not in header or count_column not in header:
        raise CountFileRefused("The first line must name the columns, with at least sku and stock "
                               "(or count), as in the exported file.")
    sku_at, count_at = header.index("sku"), header.index(count_column)
    entries: list[tuple[int, str, str]] = []
    preview = CountPreview()
    try:
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) <= max(sku_at, count_at):
                preview.errors.append((number, "This line has too few columns."))
                continue
            entries.append((number, row[sku_at].strip().upper(), row[count_at].strip()))
    except csv.Error as error:
        raise CountFileRefused(f"The file is not valid CSV ({error}).") from None
    variants = {v.sku.upper(): v for v in db.session.scalars(
        select(Variant).where(Variant.sku.in_({sku for _, sku, _ in entries}))
        .options(joinedload(Variant.colour).joinedload(Colour.style))
    )} if entries else {}
    seen: dict[str, int] = {}
    for number, sku, raw_count in entries:
        variant = variants.get(sku)
        if variant is None:
            preview.errors.append((number, f"No size has the SKU {sku or '(empty)'}."))
            continue
        if sku in seen:
            preview.errors.append((number, f"{sku} is counted twice (also on line {seen[sku]})."))
            continue
        seen[sku] = number
        if not (raw_count.isascii() and raw_count.isdigit()) or int(raw_count) > MAX_COUNT:
            preview.errors.append((number, f"The count for {sku} must be a whole number of pairs, 0 or more "
                                           f"(it says {raw_count[:20] or 'nothing'})."))
            continue
        preview.rows.append(CountRow(number, variant.id, variant.sku, variant_label(variant), variant.stock,
                                     int(raw_count)))
    if not entries and not preview.errors:
        raise CountFileRefused("The file has no counts under its header line.")
    preview.errors.sort()
    return preview


def _read_plan(signed: str) -> tuple[list[tuple[int, int, int]], str]:
    try:
        payload = _serializer().loads(signed)
        changes = [(int(v), int(o), int(n)) for v, o, n in payload["changes"]]
        file_name = str(payload["file"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise PlanRefused from None
    if not changes:
        raise PlanRefused
    return changes, file_name


def apply_count_file(signed_plan: str, actor: Actor) -> int:
    """Write the previewed changes; returns how many sizes changed. All or nothing:
    on a count changed since the preview this raises ``CountsMoved`` and the caller
    rolls back; on a plan no preview signed, ``PlanRefused`` before any write."""
    changes, file_name = _read_plan(signed_plan)
    changes.sort()  # one variant-id order for every writer's row locks (``lock_stock``)
    lock_stock(variant_id for variant_id, _, _ in changes)
    moved_meanwhile = []
    note = f"Count file {file_name}".strip()[:500]
    for variant_id, old, new in changes:
        try:
            count_stock(variant_id, new, old, note, actor, audit=False)
        except DomainError:
            variant = db.session.get_one(Variant, variant_id)
            moved_meanwhile.append(f"{variant.sku} ({old} then, {variant.stock} now)")
    if moved_meanwhile:
        raise CountsMoved(
            "Nothing was applied: since the preview, stock changed for " + ", ".join(moved_meanwhile[:10])
            + (f" and {len(moved_meanwhile) - 10} more" if len(moved_meanwhile) > 10 else "")
            + ". Upload the file again to see the counts as they are now."
        )
    record_audit(actor, "stock.count_file", file_name or "count file",
                 {"changes": [{"variant_id": v, "before": o, "after": n} for v, o, n in changes]})
    return len(changes)
