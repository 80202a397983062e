"""`promisebot simulate` beyond the model itself (capacity.simulation): where the factory comes
from, the demand and disruptions files, running seeds and settings in parallel, and the report.
"""
