"""The hotfix policy, pure: its definition, reading evidence, deciding bugs, the change lane."""
