"""Who is asking: people signed in with a password, API clients with bearer tokens."""
