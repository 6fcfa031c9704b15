"""Turning a validated configuration into Terraform JSON: runtime set-up, app assembly, safe output."""
