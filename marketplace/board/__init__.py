"""The board's view (read-only over every other package): competition between teams,
staffing, the organisation's budget and scenarios. Aggregates only."""
