"""SMART Backend Services: registered clients, the token endpoint, discovery."""
