# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.3.0: the margin features moved to key_account_management_margin.

Databases upgraded from an earlier version have sale_margin (the addon used
to depend on it): install the bridge in the same run, so that the analysis
keeps its margin columns and the gross margin objectives stay measured (their
selection value is then kept by the bridge's external id). auto_install only
acts when a module is installed, not on an update.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Module = env["ir.module.module"]
    if Module.search_count([("name", "=", "sale_margin"), ("state", "=", "installed")]):
        Module.search([("name", "=", "key_account_management_margin"), ("state", "=", "uninstalled")]).button_install()
