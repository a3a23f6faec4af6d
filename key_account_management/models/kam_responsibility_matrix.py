# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .kam_input import INT_MAX
from .kam_responsibility import RACI

MATRIX_PAGE = 50
MATRIX_MAX_PAGE = 200
MATRIX_MAX_SEARCH = 100
RACI_LETTERS = {"responsible": "R", "accountable": "A", "consulted": "C", "informed": "I"}


class KamResponsibilityMatrix(models.AbstractModel):
    """The responsibility matrix (分工表) as the client action
    ``kam_responsibility_matrix`` shows it: key accounts in rows, active
    duties in columns, in each cell who does the duty (owner, RACI letter,
    deadline, proposed or confirmed), and the gaps: duties the account needs
    (required for all accounts, or by its tier) that nobody confirmed is
    responsible for (``kam.responsibility.gap``).

    Read as the current user: the accounts are the ones the dashboard counts
    for them (their own, or all for managers and all-accounts viewers), the
    responsibilities and gaps those their record rules let them read. A
    fixed number of queries per page, whatever the number of accounts.
    The client writes the cells with the ORM (``create``/``write`` of
    ``kam.responsibility``): access rights, record rules and constraints
    apply to every edit."""

    _name = "kam.responsibility.matrix"
    _description = "Key Account Responsibility Matrix"

    @api.model
    def _matrix_check_args(self, search, mine, gaps, offset, limit):
        """The paging and search arguments, refused with a message when a
        client sends something else (a negative or huge page, a text...)."""

        def is_int(value):
            return isinstance(value, int) and not isinstance(value, bool)

        # (beyond int4 PostgreSQL refuses the OFFSET: no page lies there anyway)
        if not is_int(offset) or not 0 <= offset <= INT_MAX:
            raise UserError(
                self.env._(
                    "The matrix page offset must be a whole number from 0 to %(max)s (got %(offset)r).",
                    max=INT_MAX,
                    offset=offset,
                )
            )
        if not is_int(limit) or not 1 <= limit <= MATRIX_MAX_PAGE:
            raise UserError(
                self.env._(
                    "The matrix shows 1 to %(max)s accounts per page (got %(limit)r).",
                    max=MATRIX_MAX_PAGE,
                    limit=limit,
                )
            )
        if search is not None and search is not False and not isinstance(search, str):
            raise UserError(self.env._("Search the matrix with a text (got %r).", search))
        if search and len(search) > MATRIX_MAX_SEARCH:
            raise UserError(self.env._("Search the matrix with at most %(max)s characters.", max=MATRIX_MAX_SEARCH))
        if not isinstance(mine, bool):
            raise UserError(self.env._("The “my accounts” filter is on or off (got %r).", mine))
        if not isinstance(gaps, bool):
            raise UserError(self.env._("The “with gaps” filter is on or off (got %r).", gaps))

    @api.model
    def _matrix_account_domain(self, search=None, mine=False, gaps=False):
        domain = self.env["kam.dashboard"]._account_domain()
        if mine:
            domain += self.env["kam.job"]._member_domain()
        if gaps:
            # a subquery on the gaps the user may read, not a list of ids
            gap_query = self.env["kam.responsibility.gap"]._search([])
            domain += [("id", "in", gap_query.subselect(SQL.identifier(gap_query.table, "partner_id")))]
        if search and search.strip():
            domain += [("name", "ilike", search.strip())]
        return domain

    @api.model
    @api.readonly
    def get_matrix(self, search=None, mine=False, gaps=False, offset=0, limit=MATRIX_PAGE):
        """One page of the matrix, in one call.

        :param search: part of the account name, or None
        :param mine: only the accounts the user manages or is in the team of
        :param gaps: only the accounts with a gap
        :param offset: accounts skipped (sorted by name)
        :param limit: accounts per page, 1 to ``MATRIX_MAX_PAGE``
        :returns: ``{"duties": [...], "accounts": [{..., "cells": [...]}], "total",
            "offset", "limit", "can_edit", "raci"}``, each account's cells in
            the order of the duties. A cell: its responsibilities (owner, RACI
            letter, deadline, state), whether the account needs the duty
            (``required``), whether it is a ``gap``, whether the duty applies to
            the account's company (``applies``).
        """
        user = self.env.user
        if not user.has_group("key_account_management.group_kam_viewer"):
            raise AccessError(self.env._("The responsibility matrix is for key account users and managers."))
        self._matrix_check_args(search, mine, gaps, offset, limit)
        Responsibility = self.env["kam.responsibility"]
        Responsibility.check_access("read")

        domain = self._matrix_account_domain(search, mine, gaps)
        Partner = self.env["res.partner"]
        total = Partner.search_count(domain)
        accounts = Partner.search_fetch(
            domain,
            ["name", "kam_tier_id", "kam_manager_id", "kam_team_user_ids", "company_id"],
            offset=offset,
            limit=limit,
            order="name, id",
        )
        duties = self.env["kam.duty"].search_fetch(
            [("company_id", "in", [False, *self.env.companies.ids])],
            ["name", "sequence", "required", "function", "company_id"],
        )
        # the duties each tier requires (one query for the page's tiers)
        tier_duties = {tier.id: set(tier.duty_ids.ids) for tier in accounts.kam_tier_id}
        lines = Responsibility.search_fetch(
            [("partner_id", "in", accounts.ids), ("duty_id", "in", duties.ids)],
            ["partner_id", "duty_id", "user_id", "raci", "deadline", "next_due_date", "state"],
            order="partner_id, duty_sequence, id",
        )
        # owners' names and whether they still work here, in one read
        owners = lines.user_id.with_context(active_test=False)
        owners.fetch(["name", "active"])
        gap_rows = self.env["kam.responsibility.gap"].search_fetch(
            [("partner_id", "in", accounts.ids), ("duty_id", "in", duties.ids)], ["partner_id", "duty_id"]
        )
        gap_keys = {(gap.partner_id.id, gap.duty_id.id) for gap in gap_rows}
        by_cell = {}
        for line in lines:
            by_cell.setdefault((line.partner_id.id, line.duty_id.id), []).append(line)

        can_write = Responsibility.has_access("write") and Responsibility.has_access("create")
        sees_all = user.has_group("key_account_management.group_kam_manager")
        today = fields.Date.context_today(self)
        raci_labels = dict(Responsibility._fields["raci"]._description_selection(self.env))
        state_labels = dict(Responsibility._fields["state"]._description_selection(self.env))

        def entry(line, team):
            owner = line.user_id
            return {
                "id": line.id,
                "user_id": owner.id or False,
                "user_name": owner.name or "",
                "user_active": bool(owner.active) if owner else True,
                # the record rules show an account's lines to its manager and team only
                "user_in_team": not owner or owner in team,
                "raci": line.raci,
                "letter": RACI_LETTERS[line.raci],
                "raci_label": raci_labels[line.raci],
                "deadline": fields.Date.to_string(line.deadline) if line.deadline else False,
                "overdue": line._is_overdue(today),
                "state": line.state,
                "state_label": state_labels[line.state],
            }

        rows = []
        for account in accounts:
            required_by_tier = tier_duties.get(account.kam_tier_id.id, set())
            team = account.kam_manager_id | account.kam_team_user_ids
            member = user in team
            cells = []
            for duty in duties:
                cells.append(
                    {
                        "duty_id": duty.id,
                        "entries": [entry(line, team) for line in by_cell.get((account.id, duty.id), [])],
                        "required": duty.required or duty.id in required_by_tier,
                        "gap": (account.id, duty.id) in gap_keys,
                        "applies": not duty.company_id
                        or not account.company_id
                        or duty.company_id == account.company_id,
                    }
                )
            rows.append(
                {
                    "id": account.id,
                    "name": account.name,
                    "tier": account.kam_tier_id.name or "",
                    "manager": account.kam_manager_id.name or "",
                    "editable": can_write and (sees_all or member),
                    "cells": cells,
                }
            )
        return {
            "duties": [
                {"id": duty.id, "name": duty.name, "function": duty.function, "required": duty.required}
                for duty in duties
            ],
            "accounts": rows,
            "total": total,
            "offset": offset,
            "limit": limit,
            "can_edit": can_write,
            "raci": [[key, raci_labels[key], RACI_LETTERS[key]] for key, __ in RACI],
        }
