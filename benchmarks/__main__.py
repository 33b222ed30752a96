"""Run every benchmark and print a report: ``python -m benchmarks``."""
from . import board, board_plan, market_bookings, market_choice, market_extras, market_offers, meter, money

if __name__ == "__main__":
    meter.main()
    money.main()
    market_choice.main()
    market_offers.main()
    market_extras.main()
    market_bookings.main()
    board.main()
    board_plan.main()
