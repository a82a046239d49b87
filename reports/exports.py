"""CSV files a clinic downloads: every export is written here, through `csv_response`.

A spreadsheet opens a cell of text that starts with = + - @, a tab or a carriage return as a
formula, so a name typed as `=HYPERLINK(...)` would run in the manager's spreadsheet (CSV
injection). Every text cell that starts with one of those is prefixed with a single quote,
which spreadsheets show as text and do not evaluate. Numbers are written as numbers: a pain
change of -2 stays -2, because the exports' numeric columns are produced as Python numbers,
never as text (the quote is added to text only, whatever the column).
"""

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse

from backcare.db_router import iterate_on_replica

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """`value` as it is safe to write: text starting like a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object for csv.writer that hands back each line instead of storing it."""

    def write(self, value):
        return value


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A streamed CSV download of `header` and `rows`, every cell passed through csv_cell.

    Every CSV file is a report: its lazy rows are read on the reports' replica when there is one,
    after the view has returned, as the response streams."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow([csv_cell(cell) for cell in header])
        for row in iterate_on_replica(rows):
            yield writer.writerow([csv_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
