"""Run every benchmark and print a report: ``python -m benchmarks``."""
from . import meter

if __name__ == "__main__":
    meter.main()
