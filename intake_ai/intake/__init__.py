"""The first-session intake: form, review, consent gate, storage and amendment."""
