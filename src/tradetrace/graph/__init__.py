"""The party graph: nodes (parties), edges (relations, payments, trade), components and paths."""
