"""Deciding a bug: the engine over columns, its explanation, the cost and risk, the calendar."""
