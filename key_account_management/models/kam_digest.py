# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The weekly digest (自动报告): one e-mail a week to each key account manager
and each member of Key Account: Manager, listing what happened on their
accounts and what is overdue (late reorders included), each line linked to
its record, and their largest white space when there is news to send.

What a recipient reads is what they may read: the records of each section
are searched as the recipient (``with_user``: access rights and record
rules, their companies), on their own accounts (the member domain of the
record rules) unless they are a key-account manager (every account of their
companies). The records of a batch of recipients are then read together,
once (names, tiers, plan attainment), each recipient's lines labelled in
their language."""

import logging
from datetime import datetime, time, timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import formatLang

_logger = logging.getLogger(__name__)

TEMPLATE = "key_account_management.mail_template_kam_digest"
USER_GROUP = "key_account_management.group_kam_user"
MANAGER_GROUP = "key_account_management.group_kam_manager"
#: Days covered by a digest (the week before the day it is prepared).
DIGEST_DAYS = 7
#: Lines of a section in one e-mail; the others are counted ("and 12 more").
MAX_LINES = 20
#: Recipients prepared together (one read of their records), committed between batches.
BATCH_SIZE = 50
#: The sections, in the order of the e-mail: model, the action listing more of them.
SECTIONS = {
    "tiers": ("kam.tier.history", "key_account_management.kam_tier_history_action"),
    "risks": ("kam.risk.signal", "key_account_management.kam_risk_signal_action"),
    "followups": ("mail.activity", "key_account_management.kam_account_action"),
    "duties": ("kam.responsibility", "key_account_management.kam_responsibility_action"),
    "plans": ("kam.plan", "key_account_management.kam_plan_action"),
    "reorders": ("kam.reorder", "key_account_management.kam_reorder_action"),
    "coverage": ("res.partner", "key_account_management.kam_account_action"),
    "white_space": ("kam.white.space", "key_account_management.kam_white_space_action"),
    "profit": ("kam.profit", "key_account_management.kam_profit_action"),
}
#: Sections that are news: a digest is sent when one of them has a line. White space, coverage
#: (single-threaded accounts, key people not reached) and the least profitable accounts are standing
#: figures (the same lines week after week), not news: alone, they would send the same e-mail every week.
NEWS = ("tiers", "risks", "followups", "duties", "plans", "reorders")
#: Lines of the sections shown shorter than MAX_LINES: the largest white-space gaps, the coverage
#: alerts and the least profitable accounts (a standing figure too, not news) only.
SECTION_LINES = {"white_space": 5, "coverage": 10, "profit": 5}


class KamDigest(models.AbstractModel):
    _name = "kam.digest"
    _description = "Key account weekly digest"

    # ------------------------------------------------------------------
    # Entry points: the weekly scheduled action, the user's buttons
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_weekly(self):
        """Weekly: queue the digest of every recipient not served yet this
        week (ISO week, Monday first): a second run in the same week, or a
        run after a crash, sends nobody a second digest. Returns the number
        of e-mails queued (0 when another run holds the lock)."""
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("The weekly key account digest is sent by the scheduled action only."))
        today = fields.Date.context_today(self)
        week_start = today - timedelta(days=today.weekday())
        Job = self.env["kam.job"]
        with Job._exclusive_run("kam.digest") as acquired:
            if not acquired:
                _logger.info("kam digest: already running elsewhere, not run twice")
                return 0
            users = self._recipients(week_start)
            total, queued = len(users), 0
            for start in range(0, total, BATCH_SIZE):
                batch = users[start : start + BATCH_SIZE]
                queued += len(self._send(batch, today=today))
                # the week's key, set for those with nothing to report too: looked at once a week
                batch.sudo().write({"kam_digest_sent_on": today})
                self.env["ir.cron"]._notify_progress(done=start + len(batch), remaining=total - start - len(batch))
                if Job._commits():
                    # Safe: each batch's e-mails are queued together with its recipients' week key;
                    # a crash after this point leaves the later batches for the next run of the week.
                    self.env.cr.commit()  # pylint: disable=invalid-commit
            _logger.info("kam digest: %s recipients, %s e-mails queued", total, queued)
            return queued

    @api.model
    def _recipients(self, week_start=None):
        """The users who get the digest: internal, active, with an e-mail,
        key-account users who manage a key account or key-account managers,
        not opted out, of a company that sends it; with ``week_start``,
        only those not served since that day."""
        Partner = self.env["res.partner"].sudo()
        managing = [
            user.id
            for [user] in Partner._read_group(
                self.env["kam.job"]._key_account_domain() + [("kam_manager_id", "!=", False)], ["kam_manager_id"]
            )
        ]
        domain = [
            ("share", "=", False),
            ("email", "!=", False),
            ("kam_digest_opt_out", "=", False),
            ("company_id.kam_digest_enabled", "=", True),
            ("groups_id", "in", self.env.ref(USER_GROUP).id),
            "|",
            ("id", "in", managing),
            ("groups_id", "in", self.env.ref(MANAGER_GROUP).id),
        ]
        if week_start:
            domain += ["|", ("kam_digest_sent_on", "=", False), ("kam_digest_sent_on", "<", week_start)]
        return self.env["res.users"].sudo().search(domain, order="id")

    @api.model
    def _send(self, users, today=None, force=False):
        """Queue the digest of each of ``users`` who has something to report
        (mail.mail, sent by the mail queue). ``force``: also for a user who
        opted out (their own "send me my digest now"). Returns the e-mails."""
        users = users.sudo()
        if not force:
            users = users.filtered(lambda user: not user.kam_digest_opt_out)
        users = users.filtered(lambda user: user.email and user.company_id.kam_digest_enabled)
        digests = self._gather(users, today)
        template = self.env.ref(TEMPLATE).sudo()
        vals_list = []
        for user in users:
            digest = digests.get(user.id)
            if not digest:
                continue  # nothing to report: no e-mail
            rendered = {
                fname: template._render_field(fname, user.ids, compute_lang=True, add_context={"digest": digest})[
                    user.id
                ]
                for fname in ("subject", "body_html", "email_from")
            }
            vals_list.append(
                {
                    "subject": rendered["subject"],
                    "body_html": rendered["body_html"],
                    "email_from": rendered["email_from"] or user.company_id.email_formatted,
                    "recipient_ids": [Command.link(user.partner_id.id)],
                    "auto_delete": template.auto_delete,
                    "mail_server_id": template.mail_server_id.id,
                    # no document (model, res_id): its message is then the recipient's only (any
                    # internal user reads a res.users, so would read a message posted on one)
                    "headers": {"X-Auto-Response-Suppress": "OOF"},  # no out-of-office replies
                }
            )
        return self.env["mail.mail"].sudo().create(vals_list)

    @api.model
    def _preview(self, user):
        """The body of ``user``'s digest as it would be sent now (in their
        language), or a sentence saying there is nothing to report."""
        user = user.sudo()
        digest = self._gather(user).get(user.id)
        if not digest:
            return self.env._("Nothing to report on your key accounts this week: no digest would be sent.")
        template = self.env.ref(TEMPLATE).sudo()
        return template._render_field("body_html", user.ids, compute_lang=True, add_context={"digest": digest})[user.id]

    # ------------------------------------------------------------------
    # What each recipient reads
    # ------------------------------------------------------------------
    @api.model
    def _gather(self, users, today=None):
        """{user id: digest} of ``users`` (a digest: the sections' lines,
        labelled in the user's language, see the mail template); users with
        nothing to report are left out."""
        today = today or fields.Date.context_today(self)
        date_from = today - timedelta(days=DIGEST_DAYS)
        found = {user: self._visible(user, date_from, today) for user in users}
        # every record of the batch read once, as the superuser: each was found as its recipient
        union = {key: self.env[SECTIONS[key][0]].sudo() for key in SECTIONS}
        for ids, __ in found.values():
            for key in SECTIONS:
                union[key] |= union[key].browse(ids[key])
        # plan attainment of every plan of the batch: one measure of all their objectives
        union["plans"].objective_ids.mapped("status")
        union["plans"].mapped("progress")
        digests = {}
        for user, (ids, more) in found.items():
            if not any(ids[key] for key in NEWS):
                continue  # white space alone is no news (see NEWS)
            env = user._kam_reader_env(self.sudo().env)
            # in the order each was searched in, read with the whole batch (its prefetch)
            records = {
                key: union[key].with_env(env).browse(ids[key]).with_prefetch(union[key]._prefetch_ids)
                for key in SECTIONS
            }
            digests[user.id] = self._digest(env, user, records, more, date_from, today)
        return digests

    @api.model
    def _visible(self, user, date_from, today):
        """({section: ids}, {section: lines left out}) of ``user``: the
        records of each section found as the user."""
        env = self.with_user(user).with_context(allowed_company_ids=user.company_ids.ids, active_test=True).env
        everyone = user.has_group(MANAGER_GROUP)
        start = datetime.combine(date_from, time.min)

        def member(path):
            return [] if everyone else env["kam.job"]._member_domain(user, path)

        domains = {
            "tiers": ([("date", ">=", start)] + member("partner_id."), "date desc, id desc"),
            "risks": (
                [("is_open", "=", True), "|", ("first_seen", ">=", date_from), ("worsened_on", ">=", date_from)]
                + member("partner_id."),
                "severity_rank desc, first_seen desc, id desc",
            ),
            "followups": (
                [
                    ("res_model", "=", "res.partner"),
                    ("kam_account_id", "!=", False),
                    ("kam_reason", "!=", False),
                    ("date_deadline", "<", today),
                    "|",
                    ("kam_account_id.company_id", "=", False),
                    ("kam_account_id.company_id", "in", user.company_ids.ids),
                ]
                + member("kam_account_id."),
                "date_deadline, id",
            ),
            "duties": (
                env["kam.responsibility"]._overdue_domain(today) + member("partner_id."),
                "next_due_date, id",
            ),
            "plans": ([("state", "=", "active")] + member("partner_id."), "date_end, id"),
            # late now, whether it became late this week or earlier (expected in the last 7 days or
            # before): a late regular order stays news until the account orders again
            "reorders": ([("state", "=", "late")] + member("partner_id."), "expected_date, id"),
            "white_space": (member("partner_id."), "estimated_gap desc, id"),
            "profit": (member("partner_id."), "profit, id"),
            # single-threaded accounts, decision makers or champions not reached (kam.coverage.engine)
            "coverage": (
                env["kam.job"]._key_account_domain()
                + ["|", ("kam_single_threaded", "=", True), ("kam_unreached_count", ">", 0)]
                + member(""),
                "kam_unreached_count desc nulls last, id",
            ),
        }
        ids, more = {}, {}
        for key, (domain, order) in domains.items():
            Model = env[SECTIONS[key][0]]
            limit = SECTION_LINES.get(key, MAX_LINES)
            ids[key] = Model.search(domain, order=order, limit=limit).ids
            more[key] = Model.search_count(domain) - limit if len(ids[key]) == limit else 0
        return ids, more

    @api.model
    def _digest(self, env, user, records, more, date_from, today):
        """The lines of ``user``'s digest from their ``records`` (read in
        ``env``: the user's language), for the mail template."""
        base_url = user.get_base_url()

        def url(model, record_id):
            return f"{base_url}/odoo/{model}/{record_id}"

        def labels(model, fname):
            return dict(env[model]._fields[fname]._description_selection(env))

        severities = labels("kam.risk.signal", "severity")
        signal_types = labels("kam.risk.signal", "signal_type")
        statuses = labels("kam.plan.objective", "status")
        tz_today = fields.Datetime.context_timestamp
        return {
            "user_name": user.name,
            "date_from": date_from,
            "date_to": today,
            "tiers": [
                {
                    "account": line.partner_id.display_name,
                    "old_tier": line.old_tier_id.name or "—",
                    "new_tier": line.new_tier_id.name or "—",
                    "date": tz_today(line.with_env(env), line.date).date(),
                    "revenue": line.revenue_current,
                    "currency": line.currency_id,
                    "url": url(line._name, line.id),
                }
                for line in records["tiers"]
            ],
            "risks": [
                {
                    "account": signal.partner_id.display_name,
                    "signal": signal_types.get(signal.signal_type, signal.signal_type),
                    "severity": severities.get(signal.severity, signal.severity),
                    "severity_key": signal.severity,
                    "description": signal.description or "",
                    "new": signal.first_seen >= date_from,
                    "date": max(signal.first_seen, signal.worsened_on or signal.first_seen),
                    "url": url(signal._name, signal.id),
                }
                for signal in records["risks"]
            ],
            "followups": [
                {
                    "account": activity.kam_account_id.display_name,
                    "summary": activity.summary or activity.activity_type_id.name or "",
                    "user": activity.user_id.name or "",
                    "deadline": activity.date_deadline,
                    "url": url("res.partner", activity.kam_account_id.id),
                }
                for activity in records["followups"]
            ],
            "duties": [
                {
                    "account": duty.partner_id.display_name,
                    "duty": duty.duty_id.name or "",
                    "user": duty.user_id.name or "",
                    "deadline": duty.next_due_date,
                    "url": url(duty._name, duty.id),
                }
                for duty in records["duties"]
            ],
            "plans": [
                {
                    "account": plan.partner_id.display_name,
                    "plan": plan.name,
                    "progress": round(plan.progress),
                    "date_end": plan.date_end,
                    "objectives": [
                        {
                            "name": objective.name,
                            "progress": round(objective.progress),
                            "status": statuses.get(objective.status, objective.status or ""),
                            "status_key": objective.status,
                        }
                        for objective in plan.objective_ids
                    ],
                    "url": url(plan._name, plan.id),
                }
                for plan in records["plans"]
            ],
            "reorders": [
                {
                    "account": reorder.partner_id.display_name,
                    "product": reorder.product_id.display_name,
                    "qty": formatLang(env, reorder.usual_qty, dp="Product Unit of Measure"),
                    "expected": reorder.expected_date,
                    "late_days": (today - reorder.expected_date).days,
                    # late since its expected date plus its tolerance: this week or before
                    "new": reorder.expected_date + timedelta(days=reorder.tolerance_days) >= date_from,
                    "url": url(reorder._name, reorder.id),
                }
                for reorder in records["reorders"]
            ],
            "coverage": [
                {
                    "account": account.display_name,
                    "single_threaded": account.kam_single_threaded,
                    "main_contact": account.kam_coverage_top_contact_id.name or "",
                    "share": round(account.kam_coverage_top_share),
                    "unreached": account.kam_unreached_count,
                    "url": url(account._name, account.id),
                }
                for account in records["coverage"]
            ],
            "white_space": [
                {
                    "account": gap.partner_id.display_name,
                    "category": gap.categ_id.display_name,
                    "peers": gap.peer_count,
                    "gap": gap.estimated_gap,
                    "currency": gap.currency_id,
                    "url": url(gap._name, gap.id),
                }
                for gap in records["white_space"]
            ],
            "profit": [
                {
                    "account": row.partner_id.display_name,
                    "revenue": row.revenue,
                    "profit": row.profit,
                    "percent": row.profit_percent,
                    "currency": row.currency_id,
                    "url": url(row._name, row.id),
                }
                for row in records["profit"]
            ],
            "more": more,
            "more_urls": {key: f"{base_url}/odoo/action-{action}" for key, (__, action) in SECTIONS.items()},
        }

    @api.model
    def _check_enabled(self, user):
        if not user.company_id.kam_digest_enabled:
            raise UserError(
                self.env._(
                    "The weekly key account digest is turned off for %(company)s (Settings).",
                    company=user.company_id.name,
                )
            )
