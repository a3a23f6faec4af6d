# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.2.0: competitor free text moves to a field only key account managers
read directly (kam_competitor_notes is now computed per account team)."""

from odoo.tools import sql


def migrate(cr, version):
    if sql.column_exists(cr, "res_partner", "kam_competitor_notes") and not sql.column_exists(
        cr, "res_partner", "kam_competitor_notes_text"
    ):
        sql.rename_column(cr, "res_partner", "kam_competitor_notes", "kam_competitor_notes_text")
