"""Forms of the fit sessions staff page. Times are typed as HH:MM (a time input);
the service checks what they mean."""

from __future__ import annotations

from datetime import datetime, time

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField, URLField
from wtforms.validators import InputRequired, Length

from ally_web.services import fit_sessions

BAD_TIME = "Please give a time like 10:00 or 17:30."


def parse_time(field) -> time | None:
    """The field's time, or None with a message beside it when it is not one."""
    raw = (field.data or "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw[:5], "%H:%M").time()
    except ValueError:
        field.errors = [*field.errors, BAD_TIME]
        return None


class HoursForm(FlaskForm):
    """The weekly schedule: per weekday, open or not, from and to."""

    def days(self):
        return [(i, name, self[f"open_{i}"], self[f"opens_{i}"], self[f"closes_{i}"])
                for i, name in enumerate(fit_sessions.WEEKDAYS)]

    def fill(self, hours) -> None:
        for weekday, row in hours.items():
            self[f"open_{weekday}"].data = True
            self[f"opens_{weekday}"].data = row.opens_at.strftime("%H:%M")
            self[f"closes_{weekday}"].data = row.closes_at.strftime("%H:%M")

    def day_hours(self) -> list[fit_sessions.DayHours] | None:
        """What was typed, or None when a time could not be read (messages set)."""
        days, readable = [], True
        for weekday, _, is_open, opens, closes in self.days():
            if not is_open.data:
                continue
            start, end = parse_time(opens), parse_time(closes)
            readable = readable and not opens.errors and not closes.errors
            days.append(fit_sessions.DayHours(weekday, True, start, end))
        return days if readable else None


for _i, _name in enumerate(fit_sessions.WEEKDAYS):
    setattr(HoursForm, f"open_{_i}", BooleanField(f"Open on {_name}"))
    setattr(HoursForm, f"opens_{_i}", StringField(f"{_name} from", validators=[Length(max=8)]))
    setattr(HoursForm, f"closes_{_i}", StringField(f"{_name} to", validators=[Length(max=8)]))


class VideoLinkForm(FlaskForm):
    video_link = URLField("Video room link (sent in every invitation)", validators=[
        InputRequired("Please give the https:// address of the video room."), Length(max=300)])


class ExceptionForm(FlaskForm):
    day = DateField("Date", validators=[InputRequired("Please give the date (YYYY-MM-DD).")])
    closed = BooleanField("Closed all day")
    opens = StringField("Open from (if not closed)", validators=[Length(max=8)])
    closes = StringField("Open to (if not closed)", validators=[Length(max=8)])
    note = StringField("Note for staff (optional)", validators=[Length(max=200)])


class RemoveExceptionForm(FlaskForm):
    """A button: back to the weekly hours that day."""
