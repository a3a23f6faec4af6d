# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, sql

from .kam_job import key_account_sql, partners_sql

FUNCTIONS = [
    ("sales", "Sales"),
    ("service", "Customer Service"),
    ("technical", "Technical"),
    ("finance", "Finance"),
    ("analytics", "Analytics"),
]
CADENCES = [
    ("event", "When Needed"),
    ("daily", "Daily"),
    ("weekly", "Weekly"),
    ("monthly", "Monthly"),
    ("quarterly", "Quarterly"),
    ("yearly", "Yearly"),
]
#: Length of a cadence period (a cadence of "when needed" has none).
CADENCE_PERIODS = {
    "daily": relativedelta(days=1),
    "weekly": relativedelta(weeks=1),
    "monthly": relativedelta(months=1),
    "quarterly": relativedelta(months=3),
    "yearly": relativedelta(years=1),
}
#: The same periods in PostgreSQL (``date + interval`` ends a month as relativedelta does).
CADENCE_INTERVALS = {
    "daily": "1 day",
    "weekly": "7 days",
    "monthly": "1 month",
    "quarterly": "3 months",
    "yearly": "1 year",
}
#: Fields whose change makes the open duty reminders and escalations out of date (see ``write``).
DUTY_ACTIVITY_FIELDS = {
    "partner_id",
    "user_id",
    "backup_user_id",
    "escalation_user_id",
    "state",
    "active",
    "deadline",
    "cadence",
    "last_done_date",
}
RACI = [
    ("responsible", "Responsible (R)"),
    ("accountable", "Accountable (A)"),
    ("consulted", "Consulted (C)"),
    ("informed", "Informed (I)"),
]


def duty_of_account_sql(duty="d", account="p"):
    """The duty (``kam_duty`` as ``duty``) applies to the account
    (``res_partner`` as ``account``): a duty of no company, or of the
    account's company (an account without company: every duty). The
    proposals and the gaps view read the same rule, so that a gap is what a
    proposal fills."""
    return SQL(
        "(%(d)s IS NULL OR %(p)s IS NULL OR %(d)s = %(p)s)",
        d=SQL.identifier(duty, "company_id"),
        p=SQL.identifier(account, "company_id"),
    )


def next_due_sql(cadence, start):
    """``start`` (a date expression) plus the period of the ``cadence``
    expression, NULL for a cadence without period: the next due date of a
    responsibility without deadline (as ``_compute_next_due_date``)."""
    return SQL(
        "(CASE %s %s END)::date",
        cadence,
        SQL(" ").join(
            SQL("WHEN %s THEN %s + %s::interval", key, start, interval) for key, interval in CADENCE_INTERVALS.items()
        ),
    )


class KamDuty(models.Model):
    """A duty of the responsibility matrix (分工表): information upkeep,
    sales follow-up, contract negotiation, collections..."""

    _name = "kam.duty"
    _inherit = ["kam.input.mixin"]
    _description = "Key Account Duty"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    function = fields.Selection(FUNCTIONS, required=True, default="sales")
    required = fields.Boolean(help="Every key account needs someone responsible for this duty.")
    default_cadence = fields.Selection(CADENCES, default="event")
    default_user_id = fields.Many2one(
        "res.users",
        "Default Responsible",
        domain=[("share", "=", False)],
        help="Proposed responsibilities of this duty are filled with this user and confirmed at once.",
    )
    description = fields.Text(translate=True)
    company_id = fields.Many2one("res.company")
    active = fields.Boolean(default=True)


class KamResponsibility(models.Model):
    """Who does which duty for a key account (分工表)."""

    _name = "kam.responsibility"
    _description = "Key Account Responsibility"
    _inherit = ["kam.account.mixin", "mail.thread"]
    _order = "partner_id, duty_sequence, id"
    _rec_name = "duty_id"

    duty_id = fields.Many2one("kam.duty", required=True, index=True, tracking=True, ondelete="restrict")
    duty_sequence = fields.Integer(related="duty_id.sequence", store=True)
    function = fields.Selection(related="duty_id.function", store=True)
    user_id = fields.Many2one(
        "res.users", "Responsible User", tracking=True, index=True, domain=[("share", "=", False)]
    )
    backup_user_id = fields.Many2one("res.users", "Backup", tracking=True, domain=[("share", "=", False)])
    escalation_user_id = fields.Many2one("res.users", "Escalate To", tracking=True, domain=[("share", "=", False)])
    raci = fields.Selection(RACI, "RACI Role", required=True, default="responsible", tracking=True)
    team_id = fields.Many2one("crm.team")
    cadence = fields.Selection(CADENCES)
    deadline = fields.Date()
    notes = fields.Text()
    state = fields.Selection(
        [("draft", "Proposed"), ("confirmed", "Confirmed")], default="confirmed", required=True, tracking=True
    )
    active = fields.Boolean(default=True)
    workload = fields.Float(
        compute="_compute_workload",
        store=True,
        help="Weight of this responsibility: the account tier's workload weight (1 when the account has no tier).",
    )

    # Deadlines and cadences (kam_duty_engine.py raises their reminders and escalations)
    last_done_date = fields.Date("Last Done", readonly=True, copy=False, tracking=True)
    next_due_date = fields.Date(
        "Next Due",
        compute="_compute_next_due_date",
        store=True,
        index="btree_not_null",
        help="Of a confirmed responsibility: the deadline when set, else the last time done (or the creation) "
        "plus the cadence.",
    )
    user_away = fields.Boolean(
        "Responsible Away",
        compute="_compute_user_away",
        inverse="_inverse_user_away",
        help="The responsible user is away: the warnings and tasks of this duty go to the backup.",
    )
    done_ids = fields.One2many(
        "kam.responsibility.done",
        "responsibility_id",
        "Done Log",
        readonly=True,
        groups="key_account_management.group_kam_manager",
    )

    def _auto_init(self):
        # the next due date of the responsibilities of an existing database, in one UPDATE (the
        # ORM would compute it record by record: several per key account). None was done yet.
        cr = self.env.cr
        if sql.table_exists(cr, self._table) and not sql.column_exists(cr, self._table, "next_due_date"):
            sql.create_column(cr, self._table, "next_due_date", "date")
            cr.execute(
                SQL(
                    "UPDATE kam_responsibility SET next_due_date = COALESCE(deadline, %s) WHERE state = 'confirmed'",
                    next_due_sql(SQL("cadence"), SQL("create_date::date")),
                )
            )
        return super()._auto_init()

    @api.depends("deadline", "last_done_date", "cadence", "state")
    def _compute_next_due_date(self):
        for rec in self:
            if rec.state != "confirmed":
                # proposed: nobody owns it yet, nothing is due
                rec.next_due_date = False
            elif rec.deadline:
                rec.next_due_date = rec.deadline
            elif rec.cadence in CADENCE_PERIODS:
                # the day of the creation where its creator is (Shanghai: before 8:00 the UTC day is
                # yesterday), whoever computes it again
                creator = rec.with_context(tz=rec.sudo().create_uid.tz or self.env.user.tz)
                start = rec.last_done_date or fields.Date.context_today(creator, rec.create_date)
                rec.next_due_date = start + CADENCE_PERIODS[rec.cadence]
            else:
                rec.next_due_date = False

    @api.depends("user_id.kam_away")
    def _compute_user_away(self):
        for rec in self:
            rec.user_away = rec.user_id.sudo().kam_away

    def _inverse_user_away(self):
        for rec in self.filtered("user_id"):
            rec.user_id._kam_set_away(rec.user_away)

    @api.depends("partner_id.kam_tier_id.workload_weight", "active", "state")
    def _compute_workload(self):
        for rec in self:
            rec.workload = (rec.partner_id.kam_tier_id.workload_weight or 1.0) if rec.active else 0.0

    @api.onchange("duty_id")
    def _onchange_duty_id(self):
        if self.duty_id and not self.cadence:
            self.cadence = self.duty_id.default_cadence
        if self.duty_id.default_user_id and not self.user_id:
            self.user_id = self.duty_id.default_user_id

    @api.constrains("partner_id", "duty_id", "raci", "active")
    def _check_one_responsible(self):
        """One responsible (R) per account and duty at a time."""
        candidates = self.filtered(lambda r: r.active and r.raci == "responsible")
        if not candidates:
            return
        groups = self.sudo()._read_group(
            [
                ("partner_id", "in", candidates.partner_id.ids),
                ("duty_id", "in", candidates.duty_id.ids),
                ("raci", "=", "responsible"),
            ],
            ["partner_id", "duty_id"],
            ["__count"],
        )
        for partner, duty, count in groups:
            if count > 1:
                raise ValidationError(
                    self.env._(
                        "%(account)s already has someone responsible (R) for “%(duty)s”: make the new line "
                        "Accountable, Consulted or Informed, or archive the other one.",
                        account=partner.display_name,
                        duty=duty.name,
                    )
                )

    @api.constrains("user_id", "backup_user_id")
    def _check_backup(self):
        for rec in self:
            if rec.backup_user_id and rec.backup_user_id == rec.user_id:
                raise ValidationError(
                    self.env._("The backup of “%s” must be someone else than the responsible user.", rec.duty_id.name)
                )

    @api.constrains("user_id", "backup_user_id", "escalation_user_id")
    def _check_internal_users(self):
        """The people of a duty are internal users: its warnings and tasks go to them (kam.routing)."""
        for rec in self.sudo():
            external = (rec.user_id | rec.backup_user_id | rec.escalation_user_id).filtered("share")
            if external:
                raise ValidationError(
                    self.env._(
                        "The people of “%(duty)s” are internal users, not %(users)s.",
                        duty=rec.duty_id.name,
                        users=", ".join(external.mapped("name")),
                    )
                )

    @api.constrains("state", "user_id")
    def _check_confirmed_user(self):
        for rec in self:
            if rec.state == "confirmed" and rec.raci == "responsible" and not rec.user_id:
                raise ValidationError(
                    self.env._("Choose the responsible user of “%s” before confirming it.", rec.duty_id.name)
                )

    def write(self, vals):
        watched = DUTY_ACTIVITY_FIELDS & vals.keys()
        before = {rec.id: rec._duty_people_and_due() for rec in self} if watched else {}
        res = super().write(vals)
        if watched:
            # another owner, backup or escalation user, another due date, archived or proposed
            # again: the open reminders and escalations go (the next run of kam.duty.engine raises
            # them again for the people and the due date of now; done ones are kept)
            self.filtered(lambda rec: rec._duty_people_and_due() != before[rec.id])._duty_activities().unlink()
        return res

    def unlink(self):
        self._duty_activities().unlink()
        return super().unlink()

    def action_confirm(self):
        self.write({"state": "confirmed"})

    @api.model
    def _overdue_domain(self, today):
        """The responsibilities overdue on ``today``: confirmed, and their next
        due date (the deadline, else the last time done plus the cadence)
        passed. The one meaning of "overdue duty" of the duty reminders, the
        weekly digest, the matrix and the filters of the views."""
        return [("state", "=", "confirmed"), ("next_due_date", "<", today)]

    def _is_overdue(self, today):
        """Whether this responsibility is overdue on ``today`` (as ``_overdue_domain``)."""
        self.ensure_one()
        return self.state == "confirmed" and bool(self.next_due_date) and self.next_due_date < today

    def action_done(self):
        """Done for this period: the last done date recorded, on time or late
        in the done log, the deadline moved by the cadence (cleared when the
        duty has none), its reminders and escalations closed. By its
        responsible, backup or escalation user, the account's key account
        manager, or a manager of key accounts."""
        user = self.env.user
        manager = user.has_group("key_account_management.group_kam_manager")
        for rec in self:
            allowed = user in (
                rec.user_id | rec.backup_user_id | rec.escalation_user_id | rec.partner_id.kam_manager_id
            )
            if not (manager or allowed):
                raise AccessError(
                    self.env._(
                        "Only the people of “%(duty)s” for %(account)s (responsible, backup, escalation, key "
                        "account manager) mark it done.",
                        duty=rec.duty_id.name,
                        account=rec.partner_id.display_name,
                    )
                )
        today = fields.Date.context_today(self)
        for rec in self:
            if rec.state != "confirmed":
                # proposed: nobody owns it yet, nothing is due (the buttons show on confirmed lines only)
                raise UserError(
                    self.env._(
                        "Confirm “%(duty)s” for %(account)s before marking it done.",
                        duty=rec.duty_id.name,
                        account=rec.partner_id.display_name,
                    )
                )
            if rec.last_done_date == today:
                # a second Done the same day would skip a whole period and log it done on time
                raise UserError(
                    self.env._(
                        "“%(duty)s” for %(account)s is already marked done today.",
                        duty=rec.duty_id.name,
                        account=rec.partner_id.display_name,
                    )
                )
        # closed (kept done) before the writes below move the due date (which drops the open ones)
        self._close_duty_activities()
        logs = []
        for rec in self.sudo():
            due = rec.next_due_date
            logs.append(
                {
                    "responsibility_id": rec.id,
                    "user_id": rec.user_id.id,
                    "done_by_id": user.id,
                    "due_date": due,
                    "done_date": today,
                }
            )
            vals = {"last_done_date": today, "deadline": False}
            period = CADENCE_PERIODS.get(rec.cadence)
            if period and due:
                following = due + period
                vals["deadline"] = following if following > today else today + period
            rec.write(vals)
        self.env["kam.responsibility.done"].sudo().create(logs)
        return True

    def _duty_activities(self):
        """The open reminders and escalations of these responsibilities
        (kam.duty.engine: on the account, reason ``duty:<id>:<due date>...``)."""
        if not self:
            return self.env["mail.activity"]
        domain = [("res_model", "=", "res.partner")]
        domain += ["|"] * (len(self) - 1) + [("kam_reason", "=like", f"duty:{rec.id}:%") for rec in self]
        return self.env["mail.activity"].sudo().search(domain)

    def _close_duty_activities(self):
        """Mark done the open reminders and escalations of these responsibilities."""
        self._duty_activities()._action_done()

    def _duty_people_and_due(self):
        """Who gets this responsibility's reminders and escalations, and for
        which due date: when it changes, the open ones are out of date."""
        self.ensure_one()
        return (
            self.partner_id,
            self.user_id,
            self.backup_user_id,
            self.escalation_user_id,
            self.state,
            self.active,
            self.next_due_date,
        )

    @api.model
    def _propose_for(self, accounts):
        """Create the missing responsibilities of the key accounts among
        ``accounts`` (res.partner): one per required duty (required for all
        accounts, or by the account's tier) of the account's company (or of
        no company: ``duty_of_account_sql``) that has no active responsible (R) yet. Filled and
        confirmed when the duty has a default user (still active), proposed
        (draft) for the manager to fill otherwise. Returns the created records.

        One INSERT ... SELECT whatever the number of accounts: the rows are
        computed by PostgreSQL, not sent from Python (a first run proposes
        several duties for each of 100,000 accounts). As the ORM create
        with ``tracking_disable`` (no chatter, no follower): the stored
        related fields (manager, duty sequence and function) and the
        workload in the same statement, the company the account's. The
        values are the matrix's own (key accounts, a duty without
        responsible yet, a user whenever confirmed), so the constraints
        hold. (The responsibilities the accounts already have are read
        first, once: a NOT EXISTS on the table itself was planned as a scan
        of the table for each row while a first run filled it, before
        PostgreSQL's statistics knew its size.)"""
        if not accounts:
            return self.browse()
        self.env["res.partner"].flush_model(
            ["kam_is_key_account", "commercial_partner_id", "active", "company_id", "kam_manager_id", "kam_tier_id"]
        )
        self.env["kam.tier"].flush_model(["workload_weight", "duty_ids"])
        self.env["kam.duty"].flush_model()
        self.flush_model(["partner_id", "duty_id", "raci", "active"])
        now, uid = self.env.cr.now(), self.env.uid
        self.env.cr.execute(
            SQL(
                """
                WITH existing AS MATERIALIZED (
                    SELECT partner_id, duty_id FROM kam_responsibility
                     WHERE partner_id = ANY(%(ids)s) AND raci = 'responsible' AND active
                )
                INSERT INTO kam_responsibility (partner_id, company_id, kam_manager_id, duty_id, duty_sequence,
                                                function, user_id, raci, cadence, state, active, workload,
                                                next_due_date, create_uid, create_date, write_uid, write_date)
                SELECT p.id, COALESCE(p.company_id, %(company)s), p.kam_manager_id, d.id, d.sequence,
                       d.function, du.id, 'responsible', d.default_cadence,
                       CASE WHEN du.id IS NULL THEN 'draft' ELSE 'confirmed' END, TRUE,
                       COALESCE(NULLIF(t.workload_weight, 0), 1.0),
                       CASE WHEN du.id IS NOT NULL THEN %(next_due)s END, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM %(partners)s p
                  JOIN kam_duty d ON d.active
                   AND %(duty_of_account)s
                   AND (d.required OR EXISTS (SELECT 1 FROM kam_tier_duty_rel rel
                                               WHERE rel.tier_id = p.kam_tier_id AND rel.duty_id = d.id))
             LEFT JOIN kam_tier t ON t.id = p.kam_tier_id
             -- a default user who left (archived) fills nothing: proposed for the manager to fill
             LEFT JOIN res_users du ON du.id = d.default_user_id AND du.active
                 WHERE %(key_account)s
                   AND NOT EXISTS (SELECT 1 FROM existing e WHERE e.partner_id = p.id AND e.duty_id = d.id)
              ORDER BY p.id, d.sequence, d.id
             RETURNING id
                """,
                company=self.env.company.id,
                uid=uid,
                now=now,
                partners=partners_sql(accounts.ids),
                ids=accounts.ids,
                duty_of_account=duty_of_account_sql("d", "p"),
                key_account=key_account_sql("p"),
                next_due=next_due_sql(SQL("d.default_cadence"), SQL("%s::date", fields.Date.context_today(self))),
            )
        )
        records = self.browse(sorted(row[0] for row in self.env.cr.fetchall()))
        if records:
            # the accounts' responsibilities (one2many) and gaps read them
            self.env["res.partner"].invalidate_model(
                ["kam_responsibility_ids", "kam_responsibility_gap_count", "kam_missing_duty_names"]
            )
            self.env["kam.responsibility.gap"].invalidate_model()
        return records
