"""Reports: findings and cases rendered for people, from stored facts only."""
