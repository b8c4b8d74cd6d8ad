"""The hotfix report: figures over decisions, read from files or the store, and rendered."""
