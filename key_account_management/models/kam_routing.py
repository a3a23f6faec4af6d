# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Who gets what: the warnings and tasks of the jobs go to the owner of the
matching duty of the responsibility matrix (分工表).

A route (``kam.route``) says which duty a signal type or a task belongs to
(overdue receivables -> Collections, spend drop -> Data Analysis, reviews ->
Information Upkeep...). :meth:`KamRouting._route` answers, for many
(account, signal or task) pairs at once and in one query, the user who gets
it: the user of the account's confirmed responsibility for that duty
(responsible, else accountable), the backup when that user left (archived)
or is away (``res.users.kam_away``), else the fallback the sender gives (the
key account manager, as before routing). Never an archived user. A user
marked away hands over their open activities of the jobs the same way
(:meth:`KamRouting._reroute_away_activities`).
"""

import re
from collections import defaultdict

from odoo import api, fields, models, tools
from odoo.tools import SQL

from .kam_account_privacy import VIEWER_ALL
from .kam_risk_signal import SIGNAL_TYPES

#: What can be routed: the risk signal types and the tasks of the jobs.
#: Keys whose records (risk signals of profitability) only key account users read (security/ir_rules.xml
#: kam_risk_signal_rule_profit): never routed to a viewer
USER_ONLY_KEYS = ("unprofitable", "discount_creep")
USER_GROUP = "key_account_management.group_kam_user"
#: (model, reason) of the activity of a review's reviewer (kam.review): handed over, the reviewer follows
REVIEWER_ACTIVITY = ("kam.review", "review")

ROUTE_KEYS = [
    *SIGNAL_TYPES,
    ("review", "Periodic Review"),
    ("cadence", "Contact Follow-up"),
    ("reorder", "Late Reorder"),
]


class KamRoute(models.Model):
    """Which duty a signal type or task goes to (one duty per key)."""

    _name = "kam.route"
    _inherit = ["kam.input.mixin"]
    _description = "Key Account Routing"
    _order = "key"
    _rec_name = "key"

    key = fields.Selection(ROUTE_KEYS, "Warning or Task", required=True)
    duty_id = fields.Many2one(
        "kam.duty",
        required=True,
        ondelete="cascade",
        help="The owner of this duty in the responsibility matrix receives the warning or task; "
        "the backup when the owner is away or left; the key account manager when nobody owns it.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "key_uniq",
            "unique(key)",
            "Each warning or task goes to one duty: change the existing line instead of adding another.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        return records

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    @api.model
    def _kam_adopt_routes(self, routes):
        """``routes``: {xml id of this module: key} of routes shipped in a
        later version. A route a manager gave that key by hand before is
        kept and takes the xml id: the update then creates no second route
        of the key (refused: one route per key) and keeps the manager's
        duty (the routes are ``noupdate``). Called by data/kam_route_data.xml
        before its records."""
        Route = self.sudo().with_context(active_test=False)
        data = []
        for name, key in routes.items():
            xmlid = f"key_account_management.{name}"
            if self.env.ref(xmlid, raise_if_not_found=False):
                continue
            route = Route.search([("key", "=", key)], limit=1)
            if route:
                data.append({"xml_id": xmlid, "record": route, "noupdate": True})
        self.env["ir.model.data"].sudo()._update_xmlids(data)

    @api.model
    @tools.ormcache()
    def _routed_keys(self):
        """The keys of the active routes (cached: most senders have no route
        to look up, and then read nothing). Whether their duty is still
        active is read with the owners (archiving a duty clears no cache)."""
        # what was just written counts (the writes clear this cache, before they are flushed)
        self.env["kam.route"].flush_model(["key", "active"])
        self.env.cr.execute(SQL("SELECT key FROM kam_route WHERE active"))
        return frozenset(row[0] for row in self.env.cr.fetchall())


class KamRouting(models.AbstractModel):
    """The one resolver of every sender (risk activities, reviews, contact
    follow-ups, duty reminders)."""

    _name = "kam.routing"
    _description = "Key account routing of warnings and tasks"

    @api.model
    def _usable_user_sql(self, user, account):
        """SQL condition: the user (``res_users`` as ``user``) can receive
        what is routed for the account (``res_partner`` as ``account``):
        active, not away, allowed in the account's company, and reads the
        account: its manager, in its account team, or a viewer of all key
        accounts (an activity on a risk signal or a review is for who may
        read it: its summary names the account and its figures). Flushes
        what it reads. The duty reminders (kam.duty.engine) choose their
        receiver with it too."""
        self.env["res.users"].flush_model(["active", "kam_away", "company_ids"])
        self.env["res.partner"].flush_model(["kam_manager_id", "kam_team_user_ids", "company_id"])
        u = SQL.identifier(user)
        return SQL(
            """(%(u)s.active AND NOT COALESCE(%(u)s.kam_away, FALSE)
                AND (%(p)s.company_id IS NULL
                     OR EXISTS (SELECT 1 FROM res_company_users_rel company
                                 WHERE company.user_id = %(u)s.id AND company.cid = %(p)s.company_id))
                AND (%(u)s.id = %(p)s.kam_manager_id
                     OR EXISTS (SELECT 1 FROM kam_partner_team_user_rel team
                                 WHERE team.partner_id = %(p)s.id AND team.user_id = %(u)s.id)
                     OR EXISTS (SELECT 1 FROM res_groups_users_rel viewer
                                 WHERE viewer.uid = %(u)s.id AND viewer.gid = %(viewer_all)s)))""",
            u=u,
            p=SQL.identifier(account),
            viewer_all=self.env["ir.model.data"]._xmlid_to_res_id(VIEWER_ALL),
        )

    @api.model
    def _reads_key_sql(self, user):
        """SQL condition: the user (``res_users`` as ``user``) may read the
        records of the request's key (``req.key`` of ``_route``): those of
        USER_ONLY_KEYS are for key account users (and managers) only; no key
        (a duty reminder, a care reminder) is for anyone who reads the account."""
        return SQL(
            """(req.key IS NULL OR req.key NOT IN %(keys)s
                OR EXISTS (SELECT 1 FROM res_groups_users_rel kam_user
                            WHERE kam_user.uid = %(u)s.id AND kam_user.gid = %(group)s))""",
            keys=USER_ONLY_KEYS,
            u=SQL.identifier(user),
            group=self.env["ir.model.data"]._xmlid_to_res_id(USER_GROUP),
        )

    @api.model
    def _route(self, requests):
        """``requests``: (account id, key, fallback user id) tuples; the user
        of each, in the same order: the routed owner (or its backup), else
        the fallback. One query for the whole list, none when no key of the
        list is routed."""
        requests = list(requests)
        routed = self.env["kam.route"]._routed_keys()
        if not any(key in routed for __, key, __ in requests):
            return [fallback for __, __, fallback in requests]
        self.env["kam.route"].flush_model()
        self.env["kam.duty"].flush_model(["active"])
        self.env["kam.responsibility"].flush_model(
            ["partner_id", "duty_id", "user_id", "backup_user_id", "raci", "state", "active"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT req.n, owner.user_id
                  FROM unnest(%(pids)s::int4[], %(keys)s::varchar[]) WITH ORDINALITY AS req(pid, key, n)
                  JOIN res_partner p ON p.id = req.pid
                  JOIN LATERAL (
                        SELECT CASE WHEN %(user_ok)s THEN u.id ELSE b.id END AS user_id
                          FROM kam_route rt
                          JOIN kam_duty d ON d.id = rt.duty_id AND d.active
                          JOIN kam_responsibility r ON r.duty_id = rt.duty_id AND r.partner_id = p.id
                           AND r.active AND r.state = 'confirmed' AND r.raci IN ('responsible', 'accountable')
                     LEFT JOIN res_users u ON u.id = r.user_id
                     LEFT JOIN res_users b ON b.id = r.backup_user_id
                         WHERE rt.key = req.key AND rt.active AND (%(user_ok)s OR %(backup_ok)s)
                      ORDER BY r.raci = 'responsible' DESC, r.id
                         LIMIT 1
                  ) owner ON TRUE
                """,
                pids=[pid for pid, __, __ in requests],
                keys=[key for __, key, __ in requests],
                user_ok=SQL("(%s AND %s)", self._usable_user_sql("u", "p"), self._reads_key_sql("u")),
                backup_ok=SQL("(%s AND %s)", self._usable_user_sql("b", "p"), self._reads_key_sql("b")),
            )
        )
        owners = dict(self.env.cr.fetchall())
        return [owners.get(n) or fallback for n, (__, __, fallback) in enumerate(requests, start=1)]

    @api.model
    def _route_one(self, partner, key, fallback=None):
        """The user (record) who gets ``key`` for one account (default
        fallback: its key account manager)."""
        fallback = partner.kam_manager_id if fallback is None else fallback
        return self.env["res.users"].browse(self._route([(partner.id, key, fallback.id)])[0] or ())

    @api.model
    def _routing_key_of(self, reason):
        """``(key, responsibility id)`` of an activity's ``kam_reason`` (see
        kam.activity): the key the sender routed it by (``risk:<type>:<id>``:
        the signal type; ``cadence``, ``review``,
        ``reorder:...``), or for a duty reminder ``duty:<id>:<due>`` its
        responsibility; ``(None, None)`` for what is not routed (care
        reminders, duty escalations: the key account manager)."""
        parts = reason.split(":")
        head = parts[0]
        if head == "risk" and len(parts) >= 3:
            return parts[1], None
        if head in ("cadence", "review", "reorder"):
            return head, None
        # (an id: ASCII digits within the database's integers, whatever the reason holds)
        if head == "duty" and len(parts) == 3 and re.fullmatch(r"[0-9]{1,10}", parts[1]) and int(parts[1]) < 2**31:
            return None, int(parts[1])
        return None, None

    @api.model
    def _reroute_away_activities(self, users):
        """The open activities the jobs raised (``kam_reason``) for ``users``,
        just marked away, go to whoever the routing chooses now for the same
        account and key: the owner of the duty the key is routed to or its
        backup (``_route``), for a duty reminder the responsibility's owner
        or backup (as kam.duty.engine), else the account's key account
        manager; an activity nobody usable can take stays where it is. The
        answer to a risk (``risk:response:...``) stays with its response
        owner, whom the users change on the risk; the escalation of a
        critical risk (``...:critical``) with the sales team's leader it is
        for (no duty backs a leader up; the duty owner has the risk's own
        activity). In a fixed number of
        queries for all the activities, plus one write per new assignee."""
        Activity = self.env["mail.activity"].sudo()
        Activity.flush_model(["res_model", "res_id", "user_id", "kam_reason", "kam_account_id", "active", "date_done"])
        self.env.cr.execute(
            SQL(
                """SELECT id, res_model, res_id, COALESCE(kam_account_id, res_id), user_id, kam_reason
                     FROM mail_activity
                    WHERE user_id = ANY(%s) AND active AND date_done IS NULL AND kam_reason IS NOT NULL
                      AND kam_reason NOT LIKE %s AND kam_reason NOT LIKE %s
                 ORDER BY id""",
                users.ids,
                "risk:response:%",
                "risk:%:critical",
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return Activity
        # the account of each activity: the partner it is on, else the account of its addon record
        by_model = defaultdict(set)
        for __, res_model, res_id, __, __, __ in rows:
            if res_model != "res.partner":
                by_model[res_model].add(res_id)
        Mixin = self.pool["kam.account.mixin"]
        accounts = {}
        for res_model, res_ids in by_model.items():
            if res_model in self.env and issubclass(self.pool[res_model], Mixin):
                columns = self.env["kam.job"]._read_columns(self.env[res_model], res_ids, ["partner_id"])
                accounts.update(((res_model, rid), values["partner_id"]) for rid, values in columns.items())
        requests = []
        for aid, res_model, res_id, on_partner, user_id, reason in rows:
            account = on_partner if res_model == "res.partner" else accounts.get((res_model, res_id))
            if account:
                requests.append((aid, user_id, account, *self._routing_key_of(reason)))
        if not requests:
            return Activity
        # the fallback of each: the duty reminder's owner or backup, else the key account manager
        self.env["res.partner"].flush_model(["kam_manager_id"])
        self.env["kam.responsibility"].flush_model(["partner_id", "user_id", "backup_user_id", "state", "active"])
        self.env.cr.execute(
            SQL(
                """
                SELECT req.n,
                       CASE WHEN r.id IS NOT NULL AND %(user_ok)s THEN u.id
                            WHEN r.id IS NOT NULL AND %(backup_ok)s THEN b.id
                            WHEN %(manager_ok)s THEN m.id END
                  FROM unnest(%(pids)s::int4[], %(keys)s::varchar[], %(rids)s::int4[])
                       WITH ORDINALITY AS req(pid, key, rid, n)
                  JOIN res_partner p ON p.id = req.pid
             LEFT JOIN kam_responsibility r ON r.id = req.rid AND r.partner_id = p.id
                   AND r.active AND r.state = 'confirmed'
             LEFT JOIN res_users u ON u.id = r.user_id
             LEFT JOIN res_users b ON b.id = r.backup_user_id
             LEFT JOIN res_users m ON m.id = p.kam_manager_id
                """,
                pids=[req[2] for req in requests],
                keys=[req[3] for req in requests],
                rids=[req[4] for req in requests],
                user_ok=SQL("(%s AND %s)", self._usable_user_sql("u", "p"), self._reads_key_sql("u")),
                backup_ok=SQL("(%s AND %s)", self._usable_user_sql("b", "p"), self._reads_key_sql("b")),
                manager_ok=SQL("(%s AND %s)", self._usable_user_sql("m", "p"), self._reads_key_sql("m")),
            )
        )
        fallbacks = dict(self.env.cr.fetchall())
        targets = self._route(
            (account, key, fallbacks.get(n)) for n, (__, __, account, key, __) in enumerate(requests, start=1)
        )
        moves = defaultdict(list)
        for (aid, user_id, __, __, __), target in zip(requests, targets, strict=True):
            if target and target != user_id:
                moves[target].append(aid)
        # (the reviewer activities: their review's reviewer follows)
        reviews = {aid: res_id for aid, model, res_id, __, __, reason in rows if (model, reason) == REVIEWER_ACTIVITY}
        moved = Activity.browse()
        for target, ids in moves.items():
            # no e-mail per activity (the jobs raise theirs without one): they are in the activity menu
            activities = Activity.browse(ids).with_context(mail_activity_quick_update=True)
            activities.write({"user_id": target})
            moved |= activities
            # a review's reviewer is who has its activity (tracked in the review's chatter)
            review_ids = [reviews[aid] for aid in ids if aid in reviews]
            if review_ids:
                self.env["kam.review"].sudo().browse(review_ids).exists().write({"user_id": target})
        return moved
