"""The planner's view: load charts of work centers, Gantt charts of orders, Johnson sequences."""
