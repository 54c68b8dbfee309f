"""The client's pre-session check-in: a single-use link the clinician gives the client, the
page it opens (no account, phone-first, English or Spanish), and what the client sends, a
proposal the clinician reviews in the session note before any of it becomes record."""
