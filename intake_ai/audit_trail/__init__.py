"""The admin's audit trail page: who did what kind of thing, when, how it ended, from where."""
