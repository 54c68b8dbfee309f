"""The standalone app for a WSGI server: ``gunicorn -w 4 intake_ai.wsgi:app``.

Each worker builds the app on import, then freezes what start-up loaded (the app, the FHIR
models, plotly's figure classes): it lives as long as the process, and otherwise every full
garbage collection scans all of it again (80 ms on the supervisor dashboard at practice
scale, a pause that struck one request in three or four).
"""

from __future__ import annotations

import gc

from intake_ai import create_app

app = create_app()
gc.freeze()
