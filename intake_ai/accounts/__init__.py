"""Accounts and tokens: the admin's user and token pages, everyone's Account page."""
