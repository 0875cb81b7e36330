"""The upload form of attachments."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Please choose a file."))])
    next = HiddenField()
