"""Any stored record: view, history and versions (and, for the clinician, control over it)."""
