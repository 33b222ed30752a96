"""Accounts (floor 1): organisations, locations, users and roles, sessions and logins, API tokens,
and the invitations' mechanism."""
