"""The factory model in and out: folders of CSV files read and written with pandas, and its rows in
the database."""
