"""Accounts: creating users and checking what they may be linked to (the API and the CLI share it)."""
