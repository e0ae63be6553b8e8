"""Names, identifiers and entities: normalisation, matching, clusters."""
