"""Benchmarks (`make bench`): server-side timings measured in-process, never in tests."""
