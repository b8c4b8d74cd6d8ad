"""Learning from past decisions: examples from history files and the store, fitting, backtests."""
