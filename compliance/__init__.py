"""Compliance scan of synthesized stacks: checkov, with every accepted finding justified in one file."""
