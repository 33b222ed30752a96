"""The kernel: the ground floor every package stands on. It imports nothing of ours.

Extensions, configuration, column types, the calendar (Week, Month), the error hierarchy,
the policy mechanism (permission names and the rule registry), the audit log, i18n, mail,
security headers, rate limits and passwords.
"""
