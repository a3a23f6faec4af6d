# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.kam_job import key_account_sql
from ..models.kam_responsibility import FUNCTIONS, duty_of_account_sql


class KamResponsibilityGap(models.Model):
    """Responsibility gaps: a duty a key account needs (required for all
    accounts, or by its tier) with no confirmed responsible (R) user."""

    _name = "kam.responsibility.gap"
    _description = "Key Account Responsibility Gap"
    _auto = False
    _order = "partner_id, duty_id"
    # flushed before the view is read, so that pending changes count
    _depends = {
        "kam.responsibility": ["partner_id", "duty_id", "active", "raci", "state", "user_id"],
        "kam.duty": ["active", "required", "function", "company_id"],
        "kam.tier": ["duty_ids"],
        "res.users": ["active"],
        "res.partner": [
            "kam_is_key_account",
            "active",
            "commercial_partner_id",
            "kam_tier_id",
            "kam_manager_id",
            "company_id",
        ],
    }

    partner_id = fields.Many2one("res.partner", "Key Account", readonly=True)
    duty_id = fields.Many2one("kam.duty", readonly=True)
    function = fields.Selection(FUNCTIONS, readonly=True)
    tier_id = fields.Many2one("kam.tier", readonly=True)
    kam_manager_id = fields.Many2one("res.users", "Key Account Manager", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT p.id::bigint * 100000 + d.id AS id,
                           p.id AS partner_id,
                           d.id AS duty_id,
                           d.function AS function,
                           p.kam_tier_id AS tier_id,
                           p.kam_manager_id AS kam_manager_id,
                           p.company_id AS company_id
                      FROM res_partner p
                      JOIN kam_duty d
                        ON d.active
                       -- a company's duties are its accounts' only
                       AND %s
                       AND (d.required OR EXISTS (
                                SELECT 1 FROM kam_tier_duty_rel rel
                                 WHERE rel.tier_id = p.kam_tier_id AND rel.duty_id = d.id))
                     WHERE %s
                       AND NOT EXISTS (
                            SELECT 1 FROM kam_responsibility r
                             WHERE r.partner_id = p.id
                               AND r.duty_id = d.id
                               AND r.active
                               AND r.raci = 'responsible'
                               AND r.state = 'confirmed'
                               -- a responsible user who left (archived) covers nothing
                               AND EXISTS (SELECT 1 FROM res_users u WHERE u.id = r.user_id AND u.active))
                )
                """,
                SQL.identifier(self._table),
                duty_of_account_sql("d", "p"),
                key_account_sql("p"),
            )
        )
