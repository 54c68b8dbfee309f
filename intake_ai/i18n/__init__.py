"""Page strings in the client's language: Flask-Babel with the module's own gettext
catalogue (``translations/<lang>/LC_MESSAGES/intake_ai.po``, compiled to ``.mo``).

The catalogue is a Flask-Babel ``Domain`` of its own, so a host with its own Flask-Babel and
catalogues keeps them; the module's pages choose their language per client (``render_in``)
and never depend on the host's locale selector.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_babel import Babel, Domain, force_locale

from fhir_mappings.definitions.model import LANGUAGES, Language
from intake_ai.paths import PACKAGE_DIR

TRANSLATIONS = PACKAGE_DIR / "i18n" / "translations"
#: The gettext domain of the module's strings (the catalogue's file name).
DOMAIN_NAME = "intake_ai"
DOMAIN = Domain(translation_directories=[str(TRANSLATIONS)], domain=DOMAIN_NAME)
#: Each language named in itself, for the switch on the client's pages.
LANGUAGE_NAMES: dict[Language, str] = {"en": "English", "es": "Español"}


def init_app(app: Flask) -> None:
    """Install Flask-Babel unless the host has; English unless a page says otherwise."""
    if "babel" not in app.extensions:
        Babel(app, locale_selector=lambda: "en")


def language_of(raw: str | None) -> Language:
    """A language the module speaks, from untrusted text; English otherwise."""
    for language in LANGUAGES:
        if raw == language:
            return language
    return "en"


def gettext(text: str, **variables: Any) -> str:
    return str(DOMAIN.gettext(text, **variables))


def gettext_in(language: Language, text: str, **variables: Any) -> str:
    """``text`` from the catalogue in ``language``, whatever the request's locale (for
    strings built in Python beside a definition's own texts, e.g. a boolean answer)."""
    with force_locale(language):
        return gettext(text, **variables)


def render_in(language: Language, template: str, **context: Any) -> str:
    """``template`` with its strings (``_``) and the definitions' texts in ``language``."""
    with force_locale(language):
        return render_template(
            template,
            _=gettext,
            ngettext=DOMAIN.ngettext,
            language=language,
            language_names=LANGUAGE_NAMES,
            **context,
        )
