"""Clients, indications and budgets, catalogue, packages, health risks, reviews."""
