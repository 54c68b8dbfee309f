"""The supervisor's view of their supervisees' caseloads."""
