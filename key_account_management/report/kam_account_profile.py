# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

# What the profile shows of each history (the trend title in the template says 24 months)
TREND_MONTHS = 24
INTERACTION_LIMIT = 10
SNAPSHOT_LIMIT = 12
# White-space categories shown (largest estimated gaps).
WHITE_SPACE_LIMIT = 5
RESOLVED_SIGNAL_DAYS = 90


class ReportKamAccountProfile(models.AbstractModel):
    """The printable key account profile (大客户档案): the "template
    document" of a key account, filled from live data.

    Every section is read as the printing user (record rules apply, e.g. to
    confidential preferences) and for all the printed accounts at once: one
    grouped query per section, whatever the number of accounts.
    """

    _name = "report.key_account_management.report_kam_account_profile"
    _description = "Key Account Profile Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        accounts = self._check_accounts(self.env["res.partner"].browse(docids))
        today = fields.Date.context_today(self)
        return {
            "doc_ids": accounts.ids,
            "doc_model": "res.partner",
            "docs": accounts,
            "profiles": self._prepare_profiles(accounts, today),
            "today": today,
        }

    @api.model
    def _check_accounts(self, partners):
        """The key accounts (commercial entities) of ``partners``, after
        checking that the user may print their profile: key account users,
        on accounts they can read and manage or are in the team of (key
        account managers: all accounts)."""
        partners = partners.exists()
        if not partners:
            raise UserError(self.env._("Select the key accounts whose profile you want to print."))
        user = self.env.user
        if not self.env.su and not user.has_group("key_account_management.group_kam_user"):
            raise AccessError(self.env._("Only key account users can print key account profiles."))
        partners.check_access("read")
        accounts = partners.commercial_partner_id
        accounts.check_access("read")
        not_key = accounts.filtered(lambda account: not account.kam_is_key_account)
        if not_key:
            raise UserError(
                self.env._(
                    "Only key accounts have a profile, and these partners are not key accounts: %(partners)s. "
                    "Mark them as key accounts first, or leave them out of the selection.",
                    partners=", ".join(not_key.mapped("display_name")),
                )
            )
        if not self.env.su and not user.has_group("key_account_management.group_kam_manager"):
            foreign = accounts.filtered(lambda account: not account._kam_is_member(user))
            if foreign:
                raise AccessError(
                    self.env._(
                        "You can only print the profile of key accounts you manage or whose team you belong to "
                        "(%(accounts)s). Ask their key account manager or a key account manager.",
                        accounts=", ".join(foreign.mapped("display_name")),
                    )
                )
        return accounts

    @api.model
    def _prepare_profiles(self, accounts, today):
        """{account id: dict of the sections of its profile}. Records are
        given in the account's language (the document is printed in it)."""
        ids = accounts.ids
        Figures = self.env["kam.account.figures"]
        currencies = Figures._partner_currencies(accounts)
        monthly = Figures._monthly_sales(ids, TREND_MONTHS, today, currencies)
        preferences = self.env["kam.preference"].search([("partner_id", "in", ids)]).grouped("partner_id")
        interactions = self._latest_per_account(
            "kam.interaction", ids, INTERACTION_LIMIT, [("state", "=", "done")]
        ).grouped("partner_id")
        responsibilities = self.env["kam.responsibility"].search([("partner_id", "in", ids)]).grouped("partner_id")
        plans = {}
        for plan in self.env["kam.plan"].search([("partner_id", "in", ids), ("state", "=", "active")]):
            # plans come newest first: the active plan shown is the latest one
            plans.setdefault(plan.partner_id, plan)
        signals = (
            self.env["kam.risk.signal"]
            .search(
                [
                    ("partner_id", "in", ids),
                    "|",
                    ("resolved_on", "=", False),
                    ("resolved_on", ">=", today - relativedelta(days=RESOLVED_SIGNAL_DAYS)),
                ]
            )
            .grouped("partner_id")
        )
        snapshots = self._latest_per_account("kam.health.snapshot", ids, SNAPSHOT_LIMIT).grouped("partner_id")
        competitors = self.env["kam.competitor.note"].search([("partner_id", "in", ids)]).grouped("partner_id")
        histories = self._transaction_histories(accounts)
        # white space: the largest gaps first (the template shows the first WHITE_SPACE_LIMIT)
        white_space = self.env["kam.white.space"].search([("partner_id", "in", ids)]).grouped("partner_id")
        # profitability (key account users: the profile's printers)
        profits = self.env["kam.profit"].search([("partner_id", "in", ids)]).grouped("partner_id")
        empty = {
            model: self.env[model]
            for model in (
                "kam.preference",
                "kam.interaction",
                "kam.responsibility",
                "kam.plan",
                "kam.risk.signal",
                "kam.health.snapshot",
                "kam.competitor.note",
                "kam.white.space",
                "kam.profit",
            )
        }
        profiles = {}
        for account in accounts:
            lang_env = account.with_context(lang=account.lang or self.env.lang).env

            def in_lang(records, model, lang_env=lang_env):
                return (records or empty[model]).with_env(lang_env)

            account_signals = in_lang(signals.get(account), "kam.risk.signal")
            account_snapshots = in_lang(snapshots.get(account), "kam.health.snapshot")
            profiles[account.id] = {
                "currency": currencies[account.id],
                "contacts": account.with_env(lang_env)
                .kam_key_contact_ids.filtered(lambda contact: not contact.is_company)
                .sorted(lambda c: (not c.kam_buying_role, -(c.kam_influence or 0), c.name or "")),
                "years": self._trend_years(monthly[account.id]),
                "preferences": in_lang(preferences.get(account), "kam.preference")._sorted_by_importance(),
                "interactions": in_lang(interactions.get(account), "kam.interaction").sorted(
                    lambda i: (i.date, i.id), reverse=True
                ),
                "responsibilities": in_lang(responsibilities.get(account), "kam.responsibility"),
                "plan": in_lang(plans.get(account), "kam.plan"),
                "open_signals": account_signals.filtered("is_open"),
                "resolved_signals": account_signals.filtered(lambda s: not s.is_open),
                "snapshots": account_snapshots.sorted(lambda s: (s.date, s.id), reverse=True),
                "competitors": in_lang(competitors.get(account), "kam.competitor.note"),
                "history": histories[account.id],
                "white_space": in_lang(white_space.get(account), "kam.white.space")[:WHITE_SPACE_LIMIT],
                "profit": in_lang(profits.get(account), "kam.profit"),
            }
        return profiles

    @api.model
    def _transaction_histories(self, accounts):
        """{account id: transaction history, ready for the template}, with
        names and labels in the account's language: one read per language
        of the printed accounts."""
        History = self.env["kam.transaction.history"]
        result = {}
        for lang, lang_accounts in accounts.grouped(lambda account: account.lang or self.env.lang).items():
            in_lang = History.with_context(lang=lang)
            for account_id, history in in_lang._history(lang_accounts).items():
                result[account_id] = in_lang._render_values(history, links=False)
        return result

    @api.model
    def _latest_per_account(self, model, partner_ids, limit, domain=None):
        """The ``limit`` latest records (by date) of each account, that the
        user may read: one query for all the accounts (a window function
        over the search query, record rules included)."""
        Model = self.env[model]
        Model.flush_model(["partner_id", "date"])
        query = Model._search([("partner_id", "in", partner_ids)] + (domain or []))
        ranked = query.select(
            SQL("%s AS id", SQL.identifier(query.table, "id")),
            SQL(
                "ROW_NUMBER() OVER (PARTITION BY %s ORDER BY %s DESC, %s DESC) AS rank",
                SQL.identifier(query.table, "partner_id"),
                SQL.identifier(query.table, "date"),
                SQL.identifier(query.table, "id"),
            ),
        )
        self.env.cr.execute(SQL("SELECT id FROM (%s) AS ranked WHERE rank <= %s", ranked, limit))
        return Model.browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _trend_years(self, months):
        """Rows of the sales trend table: each month of the last twelve next
        to the same month a year before, with the change in percent, and
        the totals of both years.

        :param months: ``kam.account.figures._monthly_sales`` of one account
            (24 months, oldest first)
        """
        Figures = self.env["kam.account.figures"]
        half = len(months) // 2
        rows = []
        for before, current in zip(months[:half], months[half:], strict=True):
            rows.append(
                {
                    "before": before,
                    "current": current,
                    "change": Figures._trend(current["revenue"], before["revenue"]),
                }
            )
        total_before = sum(row["before"]["revenue"] for row in rows)
        total_current = sum(row["current"]["revenue"] for row in rows)
        return {
            "rows": rows,
            "total_before": total_before,
            "total_current": total_current,
            "orders_before": sum(row["before"]["order_count"] for row in rows),
            "orders_current": sum(row["current"]["order_count"] for row in rows),
            "change": Figures._trend(total_current, total_before),
        }
