"""The market's access rules, registered with the policy (none yet: the market is the next wing)."""
