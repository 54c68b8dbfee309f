"""The dependency-risk indicator (transparent rules) and red flags."""
