"""E-mail: every message goes to an outbox table first, then out over SMTP when configured."""
