"""Cases: findings that share parties or records, grouped, ranked and totalled."""
