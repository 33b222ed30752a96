"""Run every benchmark and print a report: ``python -m benchmarks``."""
from . import meter, money

if __name__ == "__main__":
    meter.main()
    money.main()
