"""Forms of the provider's catalog pages (platform staff): upload a spreadsheet, confirm its import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField

from lms.forms import Form


class CatalogUploadForm(Form):
    file = FileField(
        _l("Catalog file (Excel .xlsx or CSV)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Only CSV and Excel (.xlsx) files can be imported.")),
        ],
    )


class CatalogConfirmForm(Form):
    archive_missing = BooleanField(_l("Archive the spreadsheet cases that are not in this file"), default=False)
