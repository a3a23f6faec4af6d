# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import functools
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from .kam_job import key_account_sql, partners_sql

CHECKLIST = [
    ("contacts", "Key contacts and their roles verified"),
    ("preferences", "Preferences verified"),
    ("responsibilities", "Responsibility matrix verified"),
    ("tier", "Tier and figures verified"),
]


class KamReview(models.Model):
    """Periodic review (定期审查) of a key account."""

    _name = "kam.review"
    _description = "Key Account Review"
    _inherit = ["kam.account.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_due desc, id desc"

    name = fields.Char(required=True, default=lambda self: self.env._("Review"))
    date_from = fields.Date("Period From", required=True)
    date_to = fields.Date("Period To", required=True)
    date_due = fields.Date("Due", required=True, default=fields.Date.context_today, tracking=True)
    user_id = fields.Many2one("res.users", "Reviewer", tracking=True, domain=[("share", "=", False)])
    state = fields.Selection(
        [("planned", "Planned"), ("in_progress", "In Progress"), ("done", "Done")],
        default="planned",
        required=True,
        tracking=True,
    )
    line_ids = fields.One2many("kam.review.line", "review_id", "Checklist", copy=True)
    # snapshot of the account's figures when the review was completed
    currency_id = fields.Many2one(related="partner_id.kam_currency_id")
    snapshot_tier_id = fields.Many2one("kam.tier", "Tier at Review", readonly=True)
    snapshot_revenue = fields.Monetary("Trailing Revenue at Review", readonly=True)
    snapshot_order_count = fields.Integer("Orders at Review", readonly=True)
    snapshot_trend = fields.Float("Trend at Review (%)", readonly=True)
    snapshot_satisfaction = fields.Float("Average Satisfaction at Review", readonly=True)
    plan_id = fields.Many2one("kam.plan", "Active Plan", domain="[('partner_id', '=', partner_id)]")
    goal_attainment = fields.Float("Goal Attainment (%)", readonly=True)
    satisfaction = fields.Integer("Customer Satisfaction", help="1 to 5, as assessed in the review.")
    decisions = fields.Html()

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for review in self:
            # (a date emptied: required fields, Odoo's own message)
            if review.date_from and review.date_to and review.date_to < review.date_from:
                raise ValidationError(
                    self.env._("The review period of %s ends before it starts.", review.partner_id.display_name)
                )

    @api.constrains("satisfaction")
    def _check_satisfaction(self):
        for review in self:
            if review.satisfaction and not 1 <= review.satisfaction <= 5:
                raise ValidationError(self.env._("The satisfaction of a review is a score from 1 to 5."))

    @api.model
    def _default_lines(self):
        return [fields.Command.create({"name": label, "code": code, "required": True}) for code, label in CHECKLIST]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("line_ids", self._default_lines())
        reviews = super().create(vals_list)
        reviews._raise_reviewer_activities()
        return reviews

    def write(self, vals):
        res = super().write(vals)
        if vals.get("user_id"):
            # a new reviewer takes over the open review activity
            activities = self._reviewer_activities()
            activities.filtered(lambda a: a.user_id.id != vals["user_id"]).write({"user_id": vals["user_id"]})
            self._raise_reviewer_activities()
        return res

    def _reviewer_activities(self):
        return (
            self.env["mail.activity"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "in", self.ids), ("kam_reason", "=", "review")])
        )

    def _raise_reviewer_activities(self, bulk=False):
        """An activity for the reviewer of each of these open reviews (reason
        ``review``, once per review), due on the review's due date, in the
        reviewer's language. ``bulk``: the many reviews of a first run, in
        one INSERT (kam.activity ``bulk``)."""
        if not self:
            return
        # the columns needed, in one query (not every column of the reviews and their accounts:
        # a first run raises thousands)
        self.flush_recordset(["user_id", "state", "date_due", "name", "partner_id"])
        self.env["res.partner"].flush_model(["name"])
        self.env.cr.execute(
            SQL(
                """SELECT r.id, r.user_id, r.date_due, r.name, p.name
                     FROM kam_review r
                     JOIN res_partner p ON p.id = r.partner_id
                    WHERE r.id = ANY(%s) AND r.user_id IS NOT NULL AND r.state != 'done'
                 ORDER BY r.id""",
                self.ids,
            )
        )

        def summary(env, account):
            return env._("Review the key account %(account)s", account=account)

        requests, names = [], {}
        for review_id, user_id, date_due, name, account in self.env.cr.fetchall():
            # in the reviewer's language (kam.activity renders it per language)
            text = functools.partial(summary, account=account)
            requests.append((review_id, "review", user_id, text, "", date_due))
            names[review_id] = name
        self.env["kam.activity"]._raise_once(requests, res_model=self._name, bulk=bulk, names=names)

    def action_start(self):
        self.write({"state": "in_progress"})

    def action_done(self):
        for review in self:
            missing = review.line_ids.filtered(lambda line: line.required and not line.checked)
            if missing:
                raise ValidationError(
                    self.env._(
                        "Check the required lines before completing the review of %(account)s: %(lines)s.",
                        account=review.partner_id.display_name,
                        lines=", ".join(missing.mapped("name")),
                    )
                )
        for review in self:
            account = review.partner_id
            plan = review.plan_id or self.env["kam.plan"].search(
                [("partner_id", "=", account.id), ("state", "=", "active")], limit=1
            )
            review.write(
                {
                    "state": "done",
                    "plan_id": plan.id,
                    "goal_attainment": plan.progress,
                    "snapshot_tier_id": account.kam_tier_id.id,
                    "snapshot_revenue": account.kam_revenue_current,
                    "snapshot_order_count": account.kam_order_count,
                    "snapshot_trend": account.kam_revenue_trend,
                    "snapshot_satisfaction": account.kam_avg_satisfaction,
                }
            )
            # profile verified: a stamp, written without the key-account edit checks
            account.sudo().kam_profile_verified_on = fields.Date.context_today(self)
        self._reviewer_activities()._action_done()
        return True

    @api.model
    def _cron_schedule_reviews(self, batch_size=None):
        """Daily: create the next review of every key account whose tier asks
        for one and whose last review is older than the tier's interval (one
        open review at most), assigned to the key account manager.

        Only the accounts whose review may be due are looked at
        (:meth:`_due_accounts`: one query, no partner record read)."""
        ids = list(self._due_accounts())
        return self.env["kam.job"]._run_in_batches(ids, self._schedule_reviews_for, batch_size=batch_size)

    @api.model
    def _due_accounts(self, ids=None, today=None):
        """The key accounts (among ``ids``, default all) whose review may be
        due, in one query over res_partner, kam_tier and kam_review: their
        tier has a review interval, they have no open review, and the end of
        their last done review (else the day they became key accounts) plus
        the interval is today or before (or none of these dates is set).
        Dates beyond the year 9999 are bad data: such accounts are returned
        too, for the job to report them.

        :return: {partner id: (manager id, interval in months, start or None)}
            in the order of the ids; the start is the last done review's end,
            else the key account's ``kam_key_account_since``
        """
        today = today or fields.Date.context_today(self)
        self.env["res.partner"].flush_model(
            ["kam_is_key_account", "commercial_partner_id", "active", "kam_tier_id", "kam_manager_id"]
            + ["kam_key_account_since"]
        )
        self.env["kam.tier"].flush_model(["review_interval_months"])
        self.env["res.users"].flush_model(["active"])
        self.flush_model(["partner_id", "state", "date_to"])
        start = SQL("COALESCE(last.date_to, p.kam_key_account_since)")
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, manager.id, t.review_interval_months, %(start)s
                  FROM %(partners)s p
                  JOIN kam_tier t ON t.id = p.kam_tier_id
             -- a manager who left (archived user) reviews nothing: the review waits for a reviewer
             LEFT JOIN res_users manager ON manager.id = p.kam_manager_id AND manager.active
             LEFT JOIN LATERAL (SELECT MAX(r.date_to) AS date_to
                                  FROM kam_review r
                                 WHERE r.partner_id = p.id AND r.state = 'done') last ON TRUE
                 WHERE %(key_account)s
                   AND t.review_interval_months > 0
                   AND NOT EXISTS (SELECT 1 FROM kam_review r WHERE r.partner_id = p.id AND r.state <> 'done')
                   AND CASE WHEN %(start)s IS NULL THEN TRUE
                            WHEN t.review_interval_months >= %(max_months)s OR %(start)s >= '9999-01-01' THEN TRUE
                            ELSE %(start)s + make_interval(months => t.review_interval_months) <= %(today)s
                                 OR %(start)s + make_interval(months => t.review_interval_months) > '9999-12-31'
                        END
              ORDER BY p.id
                """,
                start=start,
                key_account=key_account_sql("p"),
                partners=partners_sql(ids),
                max_months=12 * 8000,
                today=today,
            )
        )
        return {pid: (manager_id, months, since) for pid, manager_id, months, since in self.env.cr.fetchall()}

    def _schedule_reviews_for(self, accounts):
        today = fields.Date.context_today(self)
        Review = self.sudo()
        vals_list = []
        due = self._due_accounts(accounts.ids, today)
        # the reviewer: the owner of the duty reviews are routed to (kam_routing.py), else the manager
        reviewers = self.env["kam.routing"]._route(
            (pid, "review", manager_id) for pid, (manager_id, __, __) in due.items()
        )
        # named in the language of its reviewer
        lang_of = self.env["kam.activity"]._user_langs(set(reviewers))
        for (pid, (__, months, start)), manager_id in zip(due.items(), reviewers, strict=True):
            start = start or today - relativedelta(months=months)
            if start + relativedelta(months=months) > today:
                continue
            env = self.with_context(lang=lang_of.get(manager_id, self.env.lang)).env
            vals_list.append(
                {
                    "partner_id": pid,
                    "name": env._("Review %(from)s – %(to)s", **{"from": start, "to": today}),
                    "date_from": start,
                    "date_to": today,
                    "date_due": today + relativedelta(days=14),
                    "user_id": manager_id or False,
                }
            )
        # the review belongs to the account's company (the ORM default would be the one of the job)
        companies = self.env["kam.job"]._read_columns(
            self.env["res.partner"], [vals["partner_id"] for vals in vals_list], ["company_id"]
        )
        for vals in vals_list:
            vals["company_id"] = companies[vals["partner_id"]]["company_id"] or self.env.company.id
        if len(vals_list) >= self.BULK_MIN:
            reviews = Review._create_in_bulk(vals_list)
            reviews._raise_reviewer_activities(bulk=True)
        else:
            # the checklist below, in one INSERT (an ORM create per line costs more than the review)
            for vals in vals_list:
                vals["line_ids"] = []
            # the creation notes of the chatter are written below, in one INSERT (mail.thread
            # creates them one ORM record each); followers and the reviewer's assignment as usual
            reviews = Review.with_context(mail_create_nolog=True).create(vals_list)
        self._insert_default_lines(reviews)
        self._log_creation_notes(reviews)
        return reviews.with_env(Review.env)

    #: from this number of reviews in one batch, they are created in bulk (:meth:`_create_in_bulk`)
    BULK_MIN = 100

    @api.model
    def _create_in_bulk(self, vals_list):
        """Create the scheduled reviews ``vals_list`` (partner_id, company_id,
        name, date_from, date_to, date_due, user_id: the job's own values, which
        hold the constraints) in one INSERT, as the ORM would with
        ``mail_create_nolog`` (the caller writes the checklist and the
        creation notes in bulk too): the account's manager (stored related
        field), the reviewer and the creating user (when active) following
        each review with the model's default subtypes. Not done, unlike the
        ORM: the "you have been assigned" notification to the reviewer, one
        message per review (a first run at 100,000 accounts would send as
        many), which the daily run, below :attr:`BULK_MIN` reviews, sends."""
        self.env["res.partner"].flush_model(["kam_manager_id"])
        self.flush_model()
        now, uid = self.env.cr.now(), self.env.uid
        params = []
        for vals in vals_list:
            params += [vals["partner_id"], vals["company_id"], vals["name"], vals["date_from"], vals["date_to"]]
            params += [vals["date_due"], vals.get("user_id") or None]
        rows = SQL(
            ", ".join(["(%s::int4, %s::int4, %s, %s::date, %s::date, %s::date, %s::int4)"] * len(vals_list)), *params
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO kam_review (partner_id, company_id, kam_manager_id, name, date_from, date_to,
                                        date_due, user_id, state, create_uid, create_date, write_uid, write_date)
                SELECT v.partner_id, v.company_id, p.kam_manager_id, v.name, v.date_from, v.date_to,
                       v.date_due, v.user_id, 'planned', %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM (VALUES %(rows)s) AS v(partner_id, company_id, name, date_from, date_to, date_due, user_id)
                  JOIN res_partner p ON p.id = v.partner_id
              ORDER BY v.partner_id
             RETURNING id, user_id
                """,
                uid=uid,
                now=now,
                rows=rows,
            )
        )
        by_reviewer = defaultdict(list)
        for review_id, user_id in self.env.cr.fetchall():
            by_reviewer[user_id].append(review_id)
        reviews = self.browse(sorted(rid for ids in by_reviewer.values() for rid in ids))
        # followers: as mail.thread.create (the creating user, when active) and its auto
        # subscription (the reviewer, with the model's default subtypes)
        Activity = self.env["kam.activity"]
        default, __, external = self.env["mail.message.subtype"].default_subtypes(self._name)
        if self.env.user.active:
            partner = self.env.user.partner_id
            Activity._follow_in_bulk(self._name, reviews.ids, partner, external if partner.partner_share else default)
        for user in self.env["res.users"].browse(user_id for user_id in by_reviewer if user_id):
            Activity._follow_in_bulk(self._name, by_reviewer[user.id], user.partner_id, default)
        return reviews

    @api.model
    def _log_creation_notes(self, reviews):
        """The "Review created" notes of new ``reviews``, as ``mail.thread``
        logs them at creation (``_message_log_batch``: internal notes, no
        notification), in one INSERT per language of their reviewers (each
        note is written in its reviewer's)."""
        if not reviews:
            return
        lang_of = self.env["kam.activity"]._user_langs(set(reviews.user_id.ids))
        by_lang = defaultdict(list)
        for review in reviews:
            by_lang[lang_of.get(review.user_id.id, self.env.lang or "en_US")].append(review.id)
        for lang, ids in by_lang.items():
            in_lang = reviews.with_context(lang=lang)
            in_lang._log_creation_notes_in(in_lang.browse(ids))
        # what mail.message._invalidate_documents does after a create
        reviews.invalidate_recordset(["message_ids", "message_needaction", "message_needaction_counter"])

    @api.model
    def _log_creation_notes_in(self, reviews):
        """The creation notes of ``reviews`` in this environment's language, one INSERT."""
        author_id, email_from = reviews._message_compute_author(raise_on_email=False)
        reply_to = self.env["mail.thread"]._notify_get_reply_to(default=email_from)[False]
        now = self.env.cr.now()
        self.env["mail.message"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_message (model, res_id, body, message_type, subtype_id, is_internal,
                                          author_id, email_from, reply_to, message_id, email_add_signature,
                                          reply_to_force_new, date, create_uid, create_date, write_uid, write_date)
                SELECT %(model)s, res_id, %(body)s, 'notification', %(subtype)s, TRUE,
                       %(author)s, %(email_from)s, %(reply_to)s, %(message_id)s, FALSE,
                       FALSE, %(date)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(ids)s::int4[]) AS res_id
              ORDER BY res_id
                """,
                model=self._name,
                body=Markup("<p>%s</p>") % reviews[:1]._creation_message(),
                subtype=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                author=author_id or None,
                email_from=email_from or None,
                reply_to=reply_to or None,
                message_id=generate_tracking_message_id("message-notify"),
                now=now,
                date=now.replace(microsecond=0),  # a message's date is to the second (fields.Datetime.now)
                uid=self.env.uid,
                ids=reviews.ids,
            )
        )

    @api.model
    def _insert_default_lines(self, reviews):
        """The default checklist (``CHECKLIST``, as ``_default_lines``) of new
        ``reviews``, in one INSERT ... SELECT for all of them (the lines are
        made by PostgreSQL, not sent from Python: four per review)."""
        if not reviews:
            return
        Line = self.env["kam.review.line"]
        self.flush_model(["company_id", "partner_id"])
        now, uid = self.env.cr.now(), self.env.uid
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO kam_review_line (review_id, company_id, partner_id, sequence, code, name, required,
                                             checked, create_uid, create_date, write_uid, write_date)
                SELECT r.id, r.company_id, r.partner_id, 10, item.code, item.name, TRUE,
                       FALSE, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM kam_review r
                 CROSS JOIN unnest(%(codes)s::varchar[], %(names)s::varchar[]) WITH ORDINALITY AS item(code, name, rank)
                 WHERE r.id = ANY(%(ids)s)
              ORDER BY r.id, item.rank
                """,
                uid=uid,
                now=now,
                codes=[code for code, __ in CHECKLIST],
                names=[label for __, label in CHECKLIST],
                ids=reviews.ids,
            )
        )
        Line.invalidate_model()
        reviews.invalidate_recordset(["line_ids"])


class KamReviewLine(models.Model):
    _name = "kam.review.line"
    _inherit = ["kam.input.mixin"]
    _description = "Key Account Review Checklist Line"
    _order = "review_id, sequence, id"

    review_id = fields.Many2one("kam.review", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="review_id.company_id", store=True)
    partner_id = fields.Many2one(related="review_id.partner_id", store=True)
    sequence = fields.Integer(default=10)
    code = fields.Char()
    name = fields.Char("Item", required=True)
    required = fields.Boolean(default=True)
    checked = fields.Boolean()
    checked_by_id = fields.Many2one("res.users", readonly=True)
    checked_on = fields.Datetime(readonly=True)

    def write(self, vals):
        if "checked" in vals:
            vals = dict(
                vals,
                checked_by_id=self.env.user.id if vals["checked"] else False,
                checked_on=fields.Datetime.now() if vals["checked"] else False,
            )
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("checked"):
                vals.update(checked_by_id=self.env.user.id, checked_on=fields.Datetime.now())
        return super().create(vals_list)

    def unlink(self):
        if any(line.review_id.state == "done" for line in self):
            raise UserError(self.env._("The checklist of a completed review cannot be changed."))
        return super().unlink()
