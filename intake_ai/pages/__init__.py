"""What every page shares: the guard (sign-in, headers, error pages), the banner, paging."""
