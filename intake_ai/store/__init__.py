"""The database session and transactions, the versioned resource store and migrations."""
