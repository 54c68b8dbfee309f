"""CDS Hooks 2.0: a patient-view service with the red-flag and indicator cards."""
