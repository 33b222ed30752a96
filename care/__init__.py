"""Residents, indications and budgets, catalogue, packages, health risks, reviews."""
