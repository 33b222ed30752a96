"""Run every benchmark and print a report: ``python -m benchmarks``."""
from . import market_offers, meter, money

if __name__ == "__main__":
    meter.main()
    money.main()
    market_offers.main()
