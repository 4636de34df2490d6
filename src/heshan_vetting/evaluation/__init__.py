"""Evaluating one project: findings and explanations, the plugins' hooks, the score and the verdict (one table)."""
