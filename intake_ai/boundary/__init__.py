"""What every request to the module passes at its edge, pages and API alike: which requests
are the module's, bounded bodies, trusted host names and absolute URLs, security headers,
and the audit safeguard that leaves no request of the module without a record."""
