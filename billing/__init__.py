"""Money, ledger, payment gateway, webhooks, payouts and statements."""
