"""The faces' way to the record: tokens, reviews, decisions and change requests."""
