"""The promising workflow: quotes, holds and orders, capacity requests to operations, and
re-planning when the factory changes."""
