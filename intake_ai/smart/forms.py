"""The admin's forms for SMART client registrations (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class RegistrationForm(FlaskForm):
    client_id = StringField("Client id", validators=[DataRequired(), Length(max=120)])
    label = StringField("What it is", validators=[DataRequired(), Length(max=200)])
    integrator = StringField("Acts as integrator user", validators=[DataRequired(), Length(max=80)])
    jwks = TextAreaField(
        "Public key set (JWKS, JSON)", validators=[DataRequired(), Length(max=20_000)]
    )
    scopes = StringField(
        "Allowed scopes (space-separated)",
        validators=[DataRequired(), Length(max=2000)],
        description="e.g. system/Observation.rs system/QuestionnaireResponse.cu",
    )


class DisableForm(FlaskForm):
    """Only the CSRF token: disabling takes no other input."""
