"""The built-in toy family: small deterministic pure-Python text tasks."""
