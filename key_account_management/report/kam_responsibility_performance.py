# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models, tools
from odoo.tools import SQL


class KamResponsibilityPerformance(models.Model):
    """Per user and duty (the performance review of the responsibility
    matrix): duties owned, done on time, done late, overdue now."""

    _name = "kam.responsibility.performance"
    _description = "Key Account Duty Performance"
    _auto = False
    _order = "user_id, duty_id"
    _rec_name = "user_id"
    _depends = {
        "kam.responsibility": ["user_id", "duty_id", "company_id", "active", "state", "raci", "next_due_date"],
        "kam.responsibility.done": ["user_id", "duty_id", "company_id", "on_time"],
    }

    user_id = fields.Many2one("res.users", readonly=True)
    duty_id = fields.Many2one("kam.duty", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    owned_count = fields.Integer("Duties Owned", readonly=True)
    done_on_time_count = fields.Integer("Done on Time", readonly=True)
    done_late_count = fields.Integer("Done Late", readonly=True)
    overdue_count = fields.Integer("Overdue Now", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT ROW_NUMBER() OVER (ORDER BY user_id, duty_id, company_id) AS id,
                           user_id, duty_id, company_id,
                           SUM(owned)::int AS owned_count,
                           SUM(on_time)::int AS done_on_time_count,
                           SUM(late)::int AS done_late_count,
                           SUM(overdue)::int AS overdue_count
                      FROM (
                            -- owned now: confirmed, responsible or accountable
                            SELECT r.user_id, r.duty_id, r.company_id, 1 AS owned, 0 AS on_time, 0 AS late,
                                   CASE WHEN r.next_due_date < CURRENT_DATE THEN 1 ELSE 0 END AS overdue
                              FROM kam_responsibility r
                             WHERE r.active AND r.state = 'confirmed' AND r.user_id IS NOT NULL
                               AND r.raci IN ('responsible', 'accountable')
                         UNION ALL
                            -- done, by the one responsible then
                            SELECT d.user_id, d.duty_id, d.company_id, 0, d.on_time::int, (NOT d.on_time)::int, 0
                              FROM kam_responsibility_done d
                             WHERE d.user_id IS NOT NULL
                      ) AS rows
                  GROUP BY user_id, duty_id, company_id
                )
                """,
                SQL.identifier(self._table),
            )
        )
