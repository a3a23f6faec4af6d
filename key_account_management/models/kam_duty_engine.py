# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stage 5 of the daily pipeline, after the reviews: the deadlines and
cadences of the responsibility matrix (分工表).

For each confirmed responsibility with an owner whose next due date
(``kam.responsibility.next_due_date``: its deadline, else the last time done
plus the cadence) comes within the company's lead time
(``res.company.kam_duty_lead_days``):

1. a reminder on the account for the owner (the backup when the owner is
   away or left, the key account manager when neither can take it), once
   per due date (reason ``duty:<responsibility id>:<due date>``);
2. once overdue for the company's escalation delay
   (``kam_duty_escalation_days``) and still not done, an activity for the
   escalation user (else the key account manager) and a note in the
   responsibility's chatter, once (reason ``duty:<id>:<due date>:escalated``).

Marking the responsibility done (``action_done``) moves its next due date by
the cadence, closes these activities and records whether it was on time
(``kam.responsibility.done``, read by the performance view).
"""

import functools
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_date

from .kam_job import key_account_sql

#: kept when done: a reminder done is not raised again for the same due date
DUTY_TYPE = "key_account_management.mail_activity_type_kam_duty"


class KamResponsibilityDone(models.Model):
    """One time a responsibility was marked done: on time or late."""

    _name = "kam.responsibility.done"
    _description = "Key Account Responsibility Done"
    _order = "done_date desc, id desc"

    responsibility_id = fields.Many2one("kam.responsibility", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one(related="responsibility_id.partner_id", store=True, string="Key Account")
    duty_id = fields.Many2one(related="responsibility_id.duty_id", store=True)
    company_id = fields.Many2one(related="responsibility_id.company_id", store=True)
    user_id = fields.Many2one("res.users", "Responsible User", index=True, readonly=True)
    done_by_id = fields.Many2one("res.users", readonly=True)
    due_date = fields.Date("Due", readonly=True)
    done_date = fields.Date("Done On", required=True, readonly=True)
    on_time = fields.Boolean(compute="_compute_on_time", store=True)
    days_late = fields.Integer(compute="_compute_on_time", store=True)

    @api.depends("due_date", "done_date")
    def _compute_on_time(self):
        for rec in self:
            late = (rec.done_date - rec.due_date).days if rec.due_date and rec.done_date else 0
            rec.days_late = max(late, 0)
            rec.on_time = late <= 0


class KamDutyEngine(models.AbstractModel):
    _name = "kam.duty.engine"
    _description = "Key account duty reminders and escalations"

    @api.model
    def _cron_kam_duties(self, batch_size=None):
        """Daily: the responsibilities due within their company's lead time
        (one query), then batches that each raise the reminders and
        escalations in a fixed number of queries."""
        return self.env["kam.job"]._run_in_batches(self._due_ids(), self._process, batch_size=batch_size)

    @api.model
    def _due_ids(self, today=None):
        today = today or fields.Date.context_today(self)
        Resp = self.env["kam.responsibility"]
        Resp.flush_model(["state", "active", "user_id", "next_due_date", "company_id"])
        self.env["res.company"].flush_model(["kam_duty_lead_days"])
        self.env["res.partner"].flush_model(["kam_is_key_account", "commercial_partner_id", "active"])
        self.env.cr.execute("SELECT MAX(kam_duty_lead_days) FROM res_company")
        max_lead = self.env.cr.fetchone()[0] or 0
        self.env.cr.execute(
            SQL(
                """
                SELECT r.id
                  FROM kam_responsibility r
                  JOIN res_company c ON c.id = r.company_id
                  JOIN res_partner p ON p.id = r.partner_id
                 WHERE r.active AND r.state = 'confirmed' AND r.user_id IS NOT NULL AND %(key_account)s
                   -- the index on the due date first (the longest lead time), then each company's own
                   AND r.next_due_date <= %(latest)s
                   AND r.next_due_date <= %(today)s::date + c.kam_duty_lead_days
              ORDER BY r.id
                """,
                today=today,
                latest=today + timedelta(days=max_lead),
                key_account=key_account_sql("p"),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _rows(self, ids):
        """What a batch needs, one query: each responsibility's account,
        duty, due date, the user who gets its reminder (owner, else backup,
        else the key account manager: as ``kam.routing._route``) and the
        one who gets its escalation (escalation user, else the manager)."""
        self.env["kam.responsibility"].flush_model(
            ["partner_id", "duty_id", "user_id", "backup_user_id", "escalation_user_id", "next_due_date"]
        )
        Routing = self.env["kam.routing"]
        self.env.cr.execute(
            SQL(
                """
                SELECT r.id, r.partner_id, r.duty_id, r.next_due_date, c.kam_duty_escalation_days,
                       CASE WHEN %(user_ok)s THEN u.id WHEN %(backup_ok)s THEN b.id ELSE m.id END,
                       CASE WHEN e.active THEN e.id ELSE m.id END
                  FROM kam_responsibility r
                  JOIN res_partner p ON p.id = r.partner_id
                  JOIN res_company c ON c.id = r.company_id
             LEFT JOIN res_users u ON u.id = r.user_id
             LEFT JOIN res_users b ON b.id = r.backup_user_id
             LEFT JOIN res_users e ON e.id = r.escalation_user_id
             LEFT JOIN res_users m ON m.id = p.kam_manager_id
                 WHERE r.id = ANY(%(ids)s)
              ORDER BY r.id
                """,
                ids=list(ids),
                user_ok=Routing._usable_user_sql("u", "p"),
                backup_ok=Routing._usable_user_sql("b", "p"),
            )
        )
        keys = ["id", "partner_id", "duty_id", "due", "delay", "owner_id", "escalation_id"]
        return [dict(zip(keys, row, strict=True)) for row in self.env.cr.fetchall()]

    @api.model
    def _process(self, batch):
        """Reminders and escalations of a batch of responsibilities, their
        texts in the language of the user each is for (``kam.activity``
        renders them per language)."""
        today = fields.Date.context_today(self)
        rows = self._rows(batch.ids)

        def reminder(env, duty_id, due):
            duty = env["kam.duty"].sudo().browse(duty_id).name
            return env._("%(duty)s due on %(date)s", duty=duty, date=format_date(env, due))

        def escalation(env, duty_id, due):
            duty = env["kam.duty"].sudo().browse(duty_id).name
            return env._("Overdue since %(date)s: %(duty)s", duty=duty, date=format_date(env, due))

        reminders, escalations = [], []
        for row in rows:
            due, reason = row["due"], f"duty:{row['id']}:{row['due']}"
            summary = functools.partial(reminder, duty_id=row["duty_id"], due=due)
            if row["owner_id"]:
                reminders.append((row["partner_id"], reason, row["owner_id"], summary, "", due))
            # escalated to someone else than the one reminded (the manager, when no escalation user)
            escalate = row["escalation_id"] and row["escalation_id"] != row["owner_id"]
            if escalate and today >= due + timedelta(days=row["delay"]):
                summary = functools.partial(escalation, duty_id=row["duty_id"], due=due)
                escalations.append((row["partner_id"], f"{reason}:escalated", row["escalation_id"], summary, "", today))
        Activity = self.env["kam.activity"]
        bulk = len(reminders) + len(escalations) >= 100
        Activity._raise_once(reminders, DUTY_TYPE, include_done=True, bulk=bulk)
        escalated = Activity._raise_once(escalations, DUTY_TYPE, include_done=True, bulk=bulk)
        if escalated:
            self._note_escalations(escalated, rows)
        return len(reminders), len(escalated)

    @api.model
    def _note_escalations(self, activities, rows):
        """The chatter note of each escalation just raised, on its
        responsibility (in the language of the one it is escalated to)."""
        by_reason = {f"duty:{row['id']}:{row['due']}:escalated": row for row in rows}
        Resp = self.env["kam.responsibility"].sudo()
        for activity in activities:
            row = by_reason[activity.kam_reason]
            user = activity.user_id
            resp = Resp.with_env(user._kam_reader_env(Resp.env)).browse(row["id"])
            body = Markup("<p>%s</p>") % resp.env._(
                "Not done by its due date %(date)s: escalated to %(user)s.",
                date=format_date(resp.env, row["due"]),
                user=user.name,
            )
            resp.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
