"""The planning domain: factory model, calendars, ATP/CTP engine and placement. No I/O."""
