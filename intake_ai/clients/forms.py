"""Forms for registering a client and opening a session."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, StringField
from wtforms.validators import DataRequired, Length, Regexp


class ClientForm(FlaskForm):
    ehr_patient_id = StringField(
        "Patient id in the EHR",
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9\-\.]+$", message="Letters, digits, '-' and '.' only."),
        ],
    )
    display_name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    is_minor = BooleanField("Under 18 (guardian consent applies)")


class SessionForm(FlaskForm):
    start = DateTimeLocalField(
        "Session date and time",
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(message="Give the session's date and time.")],
    )
