# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Every screen opens for every role.

For each role, each menu of the addon is opened the way the web client opens
it: the views of its action are loaded, then each view fetches its data with
the calls the web client makes (``web_search_read``, ``web_read_group``,
``read_group``, ``web_read``, ``onchange``, the RPC of a client action), in the
action's domain and context and with the search view's default filters. A menu
the role sees must open without any error; a menu it does not see may refuse
with an AccessError or a UserError, and nothing else. The printable reports of
the addon are rendered (as HTML) the same way.
"""

import logging
from contextlib import contextmanager

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import datetime, safe_eval, time

from .common import KamCommon

_logger = logging.getLogger(__name__)

MODULE = "key_account_management"
LIMIT = 80  # the web client's page size
# The RPC each client action of the addon makes when it opens.
CLIENT_ACTIONS = {
    "kam_dashboard": lambda env: env["kam.dashboard"].get_dashboard_data(),
    "kam_responsibility_matrix": lambda env: env["kam.responsibility.matrix"].get_matrix(
        search="", mine=False, gaps=False, offset=0, limit=50
    ),
}


@tagged("post_install", "-at_install")
class TestMenus(KamCommon):
    """Each role opens each menu and each view of the addon, and prints its reports."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def user(login, groups):
            return new_test_user(
                cls.env, login, groups=groups, company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)]
            )

        cls.roles = {
            "kam_viewer": user("menus_viewer", f"{MODULE}.group_kam_viewer"),
            "kam_user": cls.kam_user,  # KamCommon: manager of cls.account
            "kam_manager": cls.kam_manager,
            "salesman": cls.salesman,
            "sale_manager": user("menus_sale_manager", "sales_team.group_sale_manager"),
            "accountant": user("menus_accountant", "account.group_account_invoice"),
            "internal": user("menus_internal", "base.group_user"),
        }
        for role_user in cls.roles.values():
            role_user.tz = "UTC"
        account = cls.account
        account.kam_team_user_ids = cls.roles["kam_viewer"]
        # orders over two years: figures, tier, trend, reorder and profit rows
        for days_ago, amount in ((5, 6000), (35, 3000), (65, 2500), (400, 4000), (430, 1500)):
            cls._order(account, amount, days_ago=days_ago)
        cls._order(cls.other_account, 800, days_ago=20)
        cls.env["kam.interaction"].create(
            {"partner_id": account.id, "name": "Quarterly review", "contact_ids": [Command.set(cls.contact.ids)]}
        )
        cls.env["kam.plan"].create(
            {
                "partner_id": account.id,
                "name": "Grow Acme",
                "objective_ids": [Command.create({"name": "Revenue", "metric": "revenue", "target": 50000})],
            }
        )
        cls.env["kam.review"].create(
            {"partner_id": account.id, "date_from": cls.today - relativedelta(days=90), "date_to": cls.today}
        )
        category = cls.env["kam.preference.category"].create({"name": "Menus packaging"})
        cls.env["kam.preference"].create(
            {"partner_id": account.id, "category_id": category.id, "description": "Pallets of 40"}
        )
        competitor = cls.env["res.partner"].create({"name": "Rival Ltd", "is_company": True})
        cls.env["kam.competitor.note"].create({"partner_id": account.id, "competitor_id": competitor.id})
        contract = cls.env.ref(f"{MODULE}.kam_duty_contract")
        cls.env["kam.responsibility"].create(
            {"partner_id": account.id, "duty_id": contract.id, "user_id": cls.kam_user.id}
        )
        # the daily jobs fill the figures, the tier and every reporting table
        cls.env["kam.pipeline"]._cron_daily()
        # after the jobs: an order won under the account's tier, a risk signal still open
        cls._order(account, 1200, days_ago=1).user_id = cls.kam_user  # salesmen see their own orders
        cls.env["kam.risk.signal"].create(
            {"partner_id": account.id, "signal_type": "manual", "severity": "high", "description": "Buyer left"}
        )

        root = cls.env.ref(f"{MODULE}.kam_root_menu")
        data = cls.env["ir.model.data"].search([("module", "=", MODULE), ("model", "=", "ir.ui.menu")])
        cls.menus = (
            cls.env["ir.ui.menu"]
            .with_context(**{"ir.ui.menu.full_list": True})
            .search(["|", ("id", "child_of", root.id), ("id", "in", data.mapped("res_id")), ("action", "!=", False)])
        )

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _visible_menus(self, user):
        """The menus the user sees: visible, and all their parents too."""
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        return self.menus.filtered(lambda menu: all(int(mid) in visible for mid in menu.parent_path.split("/")[:-1]))

    @contextmanager
    def _step(self, visible, opened, **labels):
        """One call of a screen, in a subTest and a savepoint; a screen the
        user does not see may refuse with an AccessError or a UserError.
        Appends the labels to ``opened`` when the call ran through."""
        with self.subTest(**labels), self.env.cr.savepoint():
            try:
                yield
            except (AccessError, UserError):
                if visible:
                    raise
            else:
                opened.append(labels)

    def _eval_context(self, user):
        """What the web client evaluates domains and contexts with."""
        today = fields.Date.context_today(self.env["res.partner"].with_user(user))
        return {
            "uid": user.id,
            "user": user,
            "context_today": lambda: today,
            "today": str(today),
            "current_date": str(today),
            "now": fields.Datetime.to_string(fields.Datetime.now()),
            "datetime": datetime,
            "time": time,
            "relativedelta": relativedelta,
            "allowed_company_ids": user.company_ids.ids,
            "current_company_id": user.company_id.id,
            "active_id": False,
            "active_ids": [],
        }

    def _search_defaults(self, search_arch, context, eval_context):
        """Domain and group-bys of the ``search_default_*`` filters of the context."""
        domain, groupby = [], []
        for node in etree.fromstring(search_arch).iter("filter", "field"):
            value = context.get(f"search_default_{node.get('name')}")
            if not value:
                continue
            if node.tag == "field":
                if node.get("filter_domain"):
                    domain += safe_eval(node.get("filter_domain"), dict(eval_context, self=value, raw_value=value))
                else:
                    domain.append((node.get("name"), "=", value))
            elif node.get("date"):
                year = fields.Date.today().replace(month=1, day=1)
                domain += [(node.get("date"), ">=", year), (node.get("date"), "<", year + relativedelta(years=1))]
            else:
                domain += safe_eval(node.get("domain") or "[]", eval_context)
                node_groupby = safe_eval(node.get("context") or "{}", eval_context).get("group_by") or []
                groupby += [node_groupby] if isinstance(node_groupby, str) else node_groupby
        return domain, groupby

    def _own_fields(self, node):
        """The field nodes of a view, not those of its x2many fields' subviews."""
        for child in node:
            if child.tag == "field":
                yield child
            elif isinstance(child.tag, str) and child.tag not in ("groupby", "searchpanel"):
                yield from self._own_fields(child)

    def _spec(self, node, model, models):
        """The specification the web client reads the fields of a view with."""
        fields_info = models.get(model, {}).get("fields", {})
        spec = {}
        for field in self._own_fields(node):
            info = fields_info.get(field.get("name"), {})
            sub = {}
            if info.get("type") == "many2one":
                sub = {"fields": {"display_name": {}}}
            elif info.get("type") in ("one2many", "many2many"):
                subview = next((child for child in field if child.tag in ("list", "kanban")), None)
                if subview is not None:
                    sub = {"fields": self._spec(subview, info["relation"], models)}
                elif "many2many" in (field.get("widget") or ""):
                    sub = {"fields": {"display_name": {}}}
            spec[field.get("name")] = sub
        return spec

    def _groupby(self, node):
        """``name`` or ``name:interval`` of a group-by field of a pivot or graph view."""
        return f"{node.get('name')}:{node.get('interval')}" if node.get("interval") else node.get("name")

    def _measure(self, fields_info, name):
        """``name:aggregator`` of a measure, as the pivot and graph views ask it."""
        if name == "__count":
            return name
        info = fields_info[name]
        aggregator = "count_distinct" if info["type"] == "many2one" else info.get("aggregator")
        self.assertTrue(aggregator, f"measure {name} has no aggregator: the web client refuses to open the view")
        return f"{name}:{aggregator}"

    # ------------------------------------------------------------------
    # the screens
    # ------------------------------------------------------------------
    def _load_window_action(self, user, action):
        """The views of a window action as the user loads them, with the
        environment, domain and group-bys its views read their data in."""
        eval_context = self._eval_context(user)
        action_context = safe_eval(action.context or "{}", eval_context)
        context = {"lang": "en_US", "tz": user.tz, "uid": user.id, "allowed_company_ids": user.company_ids.ids}
        context.update(action_context)
        Model = self.env(user=user, context=context)[action.res_model]
        view_list = [*action.views, (action.search_view_id.id, "search")]
        result = Model.get_views(view_list, {"action_id": action.id, "load_filters": True, "toolbar": True})
        domain, groupby = self._search_defaults(result["views"]["search"]["arch"], action_context, eval_context)
        return {
            "Model": Model,
            "views": result["views"],
            "models": result["models"],
            "fields": result["models"][action.res_model]["fields"],
            "domain": safe_eval(action.domain or "[]", eval_context) + domain,
            "groupby": groupby,
            "view_types": [view_type for __, view_type in action.views],
        }

    def _read_list(self, screen, arch, spec):
        """A list or kanban view: its records, or its groups and the records of the first one."""
        Model, domain, fields_info = screen["Model"], screen["domain"], screen["fields"]
        groupby = screen["groupby"] or [gb for gb in [arch.get("default_group_by")] if gb]
        if groupby:
            aggregates = [
                f"{name}:{fields_info[name]['aggregator']}"
                for name in spec
                if fields_info.get(name, {}).get("aggregator") and name != groupby[0]
            ]
            groups = Model.web_read_group(domain, aggregates, groupby[:1], limit=LIMIT, lazy=True)["groups"]
            domain = groups[0]["__domain"] if groups else domain
        Model.web_search_read(domain, spec, limit=LIMIT, order=arch.get("default_order"))

    def _read_form(self, screen, arch, spec):
        """A form view: the first record of the action, and a new record."""
        Model = screen["Model"]
        record = Model.search(screen["domain"], limit=1)
        if record:
            record.web_read(spec)
        if Model.has_access("create") and Model.env.context.get("create", True):
            Model.onchange({}, [], spec)

    def _read_calendar(self, screen, arch, spec):
        """A calendar view: the records of the current month."""
        start, stop = arch.get("date_start"), arch.get("date_stop") or arch.get("date_start")
        first = fields.Date.today().replace(day=1)
        period = [(start, "<", first + relativedelta(months=1)), (stop, ">=", first)]
        screen["Model"].web_search_read(screen["domain"] + period, dict(spec, **{start: {}, stop: {}}), limit=LIMIT)

    def _read_pivot(self, screen, arch, spec):
        """A pivot view: a read_group per combination of its row and column group-bys."""
        context, arch_fields = screen["Model"].env.context, {"row": [], "col": [], "measure": []}
        for node in arch.iter("field"):
            arch_fields.get(node.get("type"), []).append(self._groupby(node))
        rows = screen["groupby"] or context.get("pivot_row_groupby") or arch_fields["row"]
        cols = context.get("pivot_column_groupby") or arch_fields["col"]
        names = context.get("pivot_measures") or arch_fields["measure"]
        measures = [self._measure(screen["fields"], name) for name in names or ["__count"]]
        for row in range(len(rows) + 1):
            for col in range(len(cols) + 1):
                screen["Model"].read_group(screen["domain"], measures, rows[:row] + cols[:col], lazy=False)

    def _read_graph(self, screen, arch, spec):
        """A graph view: one grouped read of its measure."""
        context, nodes = screen["Model"].env.context, list(arch.iter("field"))
        arch_measures = [node.get("name") for node in nodes if node.get("type") == "measure"]
        measure = context.get("graph_measure") or (arch_measures or ["__count"])[0]
        groupby = (
            screen["groupby"]
            or context.get("graph_groupbys")
            or [self._groupby(node) for node in nodes if node.get("type") != "measure"]
        )
        measures = list(dict.fromkeys(["__count", self._measure(screen["fields"], measure)]))
        screen["Model"].with_context(fill_temporal=True).web_read_group(screen["domain"], measures, groupby, lazy=False)

    def _open_window_action(self, user, action, visible, opened, labels):
        """Load the views of a window action, then the data of each view."""
        screen = {}
        with self._step(visible, opened, **labels, view="get_views"):
            screen = self._load_window_action(user, action)
        if not screen:
            return
        readers = {
            "list": self._read_list,
            "kanban": self._read_list,
            "form": self._read_form,
            "calendar": self._read_calendar,
            "pivot": self._read_pivot,
            "graph": self._read_graph,
        }
        for view_type in screen["view_types"]:
            with self._step(visible, opened, **labels, view=view_type):
                self.assertIn(view_type, readers, "a view type this test does not know")
                arch = etree.fromstring(screen["views"][view_type]["arch"])
                readers[view_type](screen, arch, self._spec(arch, action.res_model, screen["models"]))

    def _open_client_action(self, user, action, visible, opened, labels):
        """Make the RPC the client action makes when it opens."""
        with self._step(visible, opened, **labels, view=action.tag):
            self.assertIn(action.tag, CLIENT_ACTIONS, "a client action of the addon this test does not know")
            CLIENT_ACTIONS[action.tag](self.env(user=user, context={"lang": "en_US", "tz": user.tz}))

    # ------------------------------------------------------------------
    # tests
    # ------------------------------------------------------------------
    def test_every_menu_opens_for_every_role(self):
        """Each role opens each menu it sees, and each view of its action,
        without error; the menus it does not see refuse it cleanly."""
        self.assertGreater(len(self.menus), 20)
        self.assertTrue(self.account.kam_tier_id, "the jobs give the test account a tier")
        summary = []
        for role, user in self.roles.items():
            visible_menus = self._visible_menus(user)
            if user.has_group(f"{MODULE}.group_kam_viewer"):
                self.assertTrue(visible_menus, f"{role} sees no menu of the addon")
            else:
                self.assertFalse(visible_menus, f"{role} has no key-account group but sees menus of the addon")
            opened, unseen = [], []
            for menu in self.menus:
                visible = menu in visible_menus
                labels = {"role": role, "menu": menu.complete_name}
                # server actions (none in the addon today) are not run: they may change data
                if menu.action._name == "ir.actions.act_window":
                    self._open_window_action(user, menu.action, visible, opened if visible else unseen, labels)
                elif menu.action._name == "ir.actions.client":
                    self._open_client_action(user, menu.action, visible, opened if visible else unseen, labels)
            views = [labels for labels in opened if labels["view"] != "get_views"]
            summary.append(f"{role}: {len(visible_menus)} menus, {len(views)} views")
        _logger.info("%s menus opened by role: %s", len(self.menus), "; ".join(summary))

    def test_every_report_renders_for_its_roles(self):
        """Each report of the addon renders for the roles of its groups;
        the other roles are refused with an AccessError or a UserError."""
        data = self.env["ir.model.data"].search([("module", "=", MODULE), ("model", "=", "ir.actions.report")])
        reports = self.env["ir.actions.report"].browse(data.mapped("res_id"))
        self.assertTrue(reports)
        records = {"res.partner": self.account}
        for report in reports:
            record = records.get(report.model) or self.env[report.model].search([], limit=1)
            self.assertTrue(record, f"no {report.model} record to print {report.report_name} with")
            for role, user in self.roles.items():
                allowed = not report.groups_id or bool(report.groups_id & user.groups_id)
                rendered = []
                with self._step(allowed, rendered, role=role, report=report.report_name):
                    html, __ = (
                        self.env["ir.actions.report"].with_user(user)._render_qweb_html(report.report_name, record.ids)
                    )
                    self.assertIn(record.name, html.decode())
