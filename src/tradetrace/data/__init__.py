"""Data shipped with tradetrace: profiles, reference tables, rules, list extracts."""
