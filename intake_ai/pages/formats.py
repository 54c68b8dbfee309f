"""Dates, ages and counts as every page writes them, in the clinic's locale.

One date format (babel's medium date of ``INTAKE_AI_LOCALE``), one unit rule for ages
(hours under two days, days after) and plurals from the locale's plural rules, so that a
page never says "1 answers". Templates use them as the filters registered below.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from flask import current_app, has_app_context

from intake_ai.timezones import to_local

DEFAULT_LOCALE = "en_US"
#: Under this an age is told in hours, from it in days.
HOURS_UNTIL = timedelta(days=2)


def clinic_locale() -> str:
    """The clinic's locale (the default outside a request, e.g. for a chart built in a test)."""
    if not has_app_context():
        return DEFAULT_LOCALE
    return str(current_app.config.get("INTAKE_AI_LOCALE") or DEFAULT_LOCALE)


def age_text(age: timedelta) -> str:
    """An age in the one unit rule: "5 hours" under two days, "3 days" from then on."""
    if age < HOURS_UNTIL:
        hours = max(0, int(age.total_seconds() // 3600))
        return f"{hours} {'hour' if hours == 1 else 'hours'}"
    return f"{age.days} days"


def counted(n: int, singular: str, plural: str | None = None, locale: str = DEFAULT_LOCALE) -> str:
    """``n`` with the noun in the locale's plural form: "1 answer", "2 answers"."""
    form = Locale.parse(locale).plural_form(n)
    return f"{n} {singular if form == 'one' else plural or singular + 's'}"


def date_text(moment: datetime, locale: str = DEFAULT_LOCALE) -> str:
    """A date as the clinic writes it (the moment read in the clinic's time zone)."""
    return babel_date(to_local(moment), format="medium", locale=locale)


def datetime_text(moment: datetime, locale: str = DEFAULT_LOCALE) -> str:
    local = to_local(moment)
    day = babel_date(local, "medium", locale=locale)
    return f"{day}, {babel_datetime(local, 'HH:mm', locale=locale)}"


def iso_date_text(value: str, locale: str = DEFAULT_LOCALE) -> str:
    """A FHIR date or dateTime string (as stored resources hold them) as the clinic writes it."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return babel_date(moment, format="medium", locale=locale)
    return date_text(moment, locale)


#: Template filter name -> filter; ``pages/guard.py`` registers them for every template.
FILTERS: dict[str, Any] = {
    "intake_date": lambda m: date_text(m, clinic_locale()),
    "intake_datetime": lambda m: datetime_text(m, clinic_locale()),
    "intake_fhir_date": lambda v: iso_date_text(v, clinic_locale()),
    "intake_age": age_text,
    "intake_count": lambda n, one, many=None: counted(n, one, many, clinic_locale()),
}
