"""Value types (country, HS code, money) and restriction rules, with their reference data."""
