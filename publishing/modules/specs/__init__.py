"""One file per generated module: its variables, how they feed the construct, and its outputs."""
