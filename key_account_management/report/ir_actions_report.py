# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import functools
import logging
import subprocess

from odoo import models
from odoo.tools.misc import find_in_path

_logger = logging.getLogger(__name__)

#: Reports of this addon printed one document per record when wkhtmltopdf
#: cannot print several documents into one PDF.
PER_RECORD_REPORTS = ("key_account_management.report_kam_account_profile",)


@functools.cache
def wkhtmltopdf_prints_several_documents():
    """True when the installed wkhtmltopdf is built with patched Qt: the
    builds without it (e.g. the Debian package) print only the first of
    several input documents, and Odoo then gets an empty or partial PDF for
    a multi-record report."""
    try:
        version = subprocess.run(
            [find_in_path("wkhtmltopdf"), "--version"], capture_output=True, check=False, timeout=30
        ).stdout.decode()
    except (OSError, subprocess.SubprocessError):
        return False
    return "patched qt" in version.lower()


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """Print the key account profile of several accounts one account at
        a time when wkhtmltopdf cannot print several documents at once;
        Odoo then merges the PDFs of the accounts, in the order asked."""
        report = self._get_report(report_ref)
        if (
            res_ids
            and len(set(res_ids)) > 1
            and len(set(res_ids)) == len(res_ids)
            and report.report_name in PER_RECORD_REPORTS
            and not wkhtmltopdf_prints_several_documents()
        ):
            _logger.debug("printing %s one record at a time (wkhtmltopdf without patched Qt)", report.report_name)
            streams = {}
            for res_id in res_ids:
                streams.update(super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=[res_id]))
            return streams
        return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
