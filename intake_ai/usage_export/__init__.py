"""Usage figures measured from the client's own chatbot data export."""
