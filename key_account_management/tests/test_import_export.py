# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import csv
import io
from collections import defaultdict
from datetime import date, datetime

import openpyxl

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.misc import file_open

from odoo.addons.key_account_management.models.kam_job import KEY_ACCOUNT_DOMAIN

from .common import KamCommon

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXPECTED_HEADERS = [
    "Name",
    "Reference",
    "Tier",
    "Key Account Manager",
    "Account Team",
    "Trailing Revenue",
    "Previous Window Revenue",
    "Revenue Trend (%)",
    "Orders (Trailing)",
    "Average Order Value",
    "First Order",
    "Last Order",
    "Last Contact",
    "Health Score",
    "Health",
    "Risk Level",
    "Open Risk Signals",
    "Figures Currency",
]


@tagged("post_install", "-at_install")
class TestKamXlsxExport(KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kam_user.tz = "Asia/Shanghai"
        cls.account.sudo().write({"ref": "ACME-1", "kam_tier_id": cls.tier_a.id})
        cls.account.with_user(cls.kam_user).kam_team_user_ids = [Command.set([cls.kam_user2.id, cls.kam_manager.id])]
        # Figures and health as the daily jobs store them (bulk-written
        # columns, never typed in): the export only reads them.
        cls.account.sudo().write(
            {
                "kam_revenue_current": 12345.5,
                "kam_revenue_previous": 10000.0,
                "kam_revenue_trend": 23.5,
                "kam_order_count": 7,
                "kam_avg_order_value": 1763.64,
                "kam_first_order_date": date(2024, 1, 10),
                "kam_last_order_date": date(2025, 5, 2),
                "kam_last_interaction_date": datetime(2025, 5, 3, 8, 30),
                "kam_health_score": 42,
                "kam_health_band": "at_risk",
                "kam_risk_level": "high",
            }
        )
        cls.other_account.sudo().write({"kam_revenue_current": 50000.0, "kam_order_count": 3})
        Signal = cls.env["kam.risk.signal"].sudo()
        Signal.create(
            [
                {"partner_id": cls.account.id, "signal_type": "overdue", "severity": "high"},
                {"partner_id": cls.account.id, "signal_type": "silence", "severity": "medium"},
                {
                    "partner_id": cls.account.id,
                    "signal_type": "order_gap",
                    "severity": "low",
                    "first_seen": date(2025, 1, 1),
                    "resolved_on": date(2025, 2, 1),
                },
                {"partner_id": cls.other_account.id, "signal_type": "spend_drop", "severity": "high"},
            ]
        )
        cls.plain_company = cls.env["res.partner"].create({"name": "Plain Trading Co", "is_company": True})

    def _export(self, user, partners=None, domain=None):
        """Run the export as ``user`` the way the list does (user's language,
        selected ids and the list's domain in the context); returns
        (wizard, action)."""
        context = {
            "lang": user.lang,
            "active_model": "res.partner",
            "active_ids": partners.ids if partners else [],
            "active_domain": KEY_ACCOUNT_DOMAIN + (domain or []),
        }
        wizard = self.env["kam.account.export"].with_user(user).with_context(**context).create({})
        return wizard, wizard.action_export()

    def _workbook(self, wizard):
        return openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))

    def _details(self, workbook):
        return {row[0]: row[1] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)}

    def test_export_selected_accounts(self):
        selection = self.account | self.other_account | self.contact | self.plain_company
        wizard, action = self._export(self.kam_user, selection)
        self.assertEqual(wizard.account_count, 2, "the contact and the plain company are no key accounts")
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(
            action["url"],
            f"/web/content/kam.account.export/{wizard.id}/file_data/{wizard.file_name}?download=true",
        )
        self.assertTrue(wizard.file_name.endswith(".xlsx"))

        workbook = self._workbook(wizard)
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(list(rows[0]), EXPECTED_HEADERS)
        self.assertEqual(len(rows), 3, "a header and one row per key account")
        # by revenue; another team's account has no figures for this user, it comes last
        self.assertEqual([row[0] for row in rows[1:]], ["Acme Key Account", "Other Key Account"])

        acme = dict(zip(EXPECTED_HEADERS, rows[1], strict=True))
        self.assertEqual(acme["Reference"], "ACME-1")
        self.assertEqual(acme["Tier"], "Tier A")
        self.assertEqual(acme["Key Account Manager"], "KAM User")
        self.assertEqual(acme["Account Team"], "KAM Manager, KAM User Two")
        self.assertEqual(acme["Trailing Revenue"], 12345.5)
        self.assertEqual(acme["Previous Window Revenue"], 10000.0)
        self.assertAlmostEqual(acme["Revenue Trend (%)"], 0.235)
        self.assertEqual(acme["Orders (Trailing)"], 7)
        self.assertEqual(acme["First Order"], datetime(2024, 1, 10))
        self.assertEqual(acme["Last Order"], datetime(2025, 5, 2))
        self.assertEqual(acme["Last Contact"], datetime(2025, 5, 3, 16, 30), "in the user's time zone")
        self.assertEqual(acme["Health Score"], 42)
        self.assertEqual(acme["Health"], "At Risk", "selection label, not the key")
        self.assertEqual(acme["Risk Level"], "High")
        self.assertEqual(acme["Open Risk Signals"], 2, "the resolved signal is not counted")
        self.assertEqual(acme["Figures Currency"], self.usd.name)

        other = dict(zip(EXPECTED_HEADERS, rows[2], strict=True))
        self.assertIsNone(other["Health Score"])
        self.assertIsNone(other["Health"])
        self.assertIsNone(other["Trailing Revenue"], "another team's figures: empty, not 0")
        self.assertIsNone(other["Orders (Trailing)"])
        self.assertIsNone(
            other["Open Risk Signals"], "the user may not read the signals of an account he is not in the team of"
        )

        # Formats: money with the currency, dates as dates, percent.
        revenue = sheet.cell(row=2, column=EXPECTED_HEADERS.index("Trailing Revenue") + 1)
        self.assertIn(self.usd.symbol, revenue.number_format)
        self.assertIn("#,##0.00", revenue.number_format)
        first_order = sheet.cell(row=2, column=EXPECTED_HEADERS.index("First Order") + 1)
        self.assertTrue(first_order.is_date)
        self.assertEqual(first_order.number_format, "yyyy-mm-dd")
        trend = sheet.cell(row=2, column=EXPECTED_HEADERS.index("Revenue Trend (%)") + 1)
        self.assertEqual(trend.number_format, "0.0%")
        self.assertEqual(sheet.freeze_panes, "B2")
        self.assertEqual(sheet.auto_filter.ref, "A1:R3")
        self.assertGreater(sheet.column_dimensions["A"].width, 30)

        details = self._details(workbook)
        self.assertEqual(details["Exported By"], "KAM User")
        self.assertEqual(details["Accounts Exported"], 2)
        self.assertEqual(details["Selection"], "Selected accounts")
        self.assertIsInstance(details["Exported On"], datetime)
        self.assertEqual(details["Left Out"], "2 selected records are not key accounts.")

        # a key account manager reads every account's figures: by revenue
        rows = list(
            self._workbook(self._export(self.kam_manager, selection)[0]).worksheets[0].iter_rows(values_only=True)
        )
        self.assertEqual([row[0] for row in rows[1:]], ["Other Key Account", "Acme Key Account"], "by revenue")
        other = dict(zip(EXPECTED_HEADERS, rows[1], strict=True))
        self.assertEqual(other["Trailing Revenue"], 50000.0)
        self.assertEqual(other["Orders (Trailing)"], 3)
        self.assertIsNone(other["Health Score"], "never scored: empty, not 0")
        self.assertIsNone(other["Health"])

    def test_export_money_in_account_currency(self):
        company2 = self.env["res.company"].create({"name": "KAM Subsidiary", "currency_id": self.other_currency.id})
        self.kam_manager.write({"company_ids": [Command.link(company2.id)]})
        foreign = self._make_account("Foreign Key Account", manager=self.kam_manager, company_id=company2.id)
        foreign.sudo().kam_revenue_current = 800.0
        manager = self.kam_manager.with_context(allowed_company_ids=[self.company.id, company2.id])
        wizard, __ = self._export(manager, self.account | foreign)
        sheet = self._workbook(wizard).worksheets[0]
        column = EXPECTED_HEADERS.index("Trailing Revenue") + 1
        formats = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=column).number_format for r in (2, 3)}
        self.assertIn("K$", formats["Foreign Key Account"])
        self.assertNotIn("K$", formats["Acme Key Account"])
        self.assertIn(self.usd.symbol, formats["Acme Key Account"])
        currencies = {
            sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=len(EXPECTED_HEADERS)).value for r in (2, 3)
        }
        self.assertEqual(currencies, {"Foreign Key Account": "KMX", "Acme Key Account": self.usd.name})

        # The same account is refused to a user who may not read it.
        with self.assertRaises(AccessError):
            self._export(self.kam_user, foreign)

    def test_export_all_visible_accounts(self):
        """The header button with nothing selected: every key account the
        list shows with its filters, and the filters in words."""
        domain = ["|", ("kam_manager_id", "=", self.kam_user.id), ("kam_team_user_ids", "in", self.kam_user.id)]
        wizard, __ = self._export(self.kam_user, domain=domain)
        self.assertEqual(wizard.account_count, 1)
        workbook = self._workbook(wizard)
        names = [row[0] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]
        self.assertEqual(names, ["Acme Key Account"])
        details = self._details(workbook)
        self.assertEqual(details["Selection"], "All key accounts matching the list filters")
        self.assertIn("Key Account = Yes", details["List Filters"])
        self.assertIn("(Key Account Manager = KAM User or Account Team is in KAM User)", details["List Filters"])
        self.assertNotIn("Left Out", details)

        # Without filters: every key account, not the plain company.
        wizard, __ = self._export(self.kam_manager)
        names = {row[0] for row in self._workbook(wizard).worksheets[0].iter_rows(min_row=2, values_only=True)}
        self.assertIn("Acme Key Account", names)
        self.assertNotIn("Plain Trading Co", names)
        self.assertNotIn("Acme Buyer", names)

    def test_export_refusals(self):
        with self.assertRaises(AccessError):
            self.env["kam.account.export"].with_user(self.salesman).create({})
        with self.assertRaisesMessage(UserError, "no key account to export"):
            self._export(self.kam_user, self.plain_company | self.contact)
        # Another user's export file is not readable.
        wizard, __ = self._export(self.kam_user, self.account)
        with self.assertRaises(AccessError):
            wizard.with_user(self.kam_user2).file_data  # noqa: B018

    def test_export_offered_in_key_account_list(self):
        """Header button of the key-account list and entry of the Action
        menu, for key account users only."""
        view = self.env.ref("key_account_management.kam_account_view_list")
        action = self.env.ref("key_account_management.kam_account_export_action")
        Partner = self.env["res.partner"]
        views = Partner.with_user(self.kam_user).get_views([(view.id, "list")], {"toolbar": True})["views"]["list"]
        self.assertIn(f'name="{action.id}"', views["arch"])
        self.assertIn(action.id, [a["id"] for a in views["toolbar"].get("action", [])])
        views = Partner.with_user(self.salesman).get_views([(view.id, "list")], {"toolbar": True})["views"]["list"]
        self.assertNotIn("Export to Excel", views["arch"])
        self.assertNotIn(action.id, [a["id"] for a in views["toolbar"].get("action", [])])

    def test_export_in_user_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        field = self.env["ir.model.fields"]._get("res.partner", "kam_revenue_current")
        field.with_context(lang="fr_FR").field_description = "Chiffre glissant"
        band = self.env["ir.model.fields"]._get("res.partner", "kam_health_band")
        band.selection_ids.filtered(lambda s: s.value == "at_risk").with_context(lang="fr_FR").name = "En danger"
        self.env.registry.clear_cache()  # as loading a translation file does
        self.kam_user.lang = "fr_FR"
        wizard, __ = self._export(self.kam_user, self.account)
        rows = list(self._workbook(wizard).worksheets[0].iter_rows(values_only=True))
        self.assertEqual(rows[0][EXPECTED_HEADERS.index("Trailing Revenue")], "Chiffre glissant")
        self.assertEqual(rows[1][EXPECTED_HEADERS.index("Health")], "En danger")

    def test_export_query_count_is_fixed(self):
        accounts = self.env["res.partner"]
        for index in range(5):
            account = self._make_account(f"Bulk Account {index}", manager=self.kam_user)
            account.kam_team_user_ids = [Command.set([self.kam_user2.id])]
            account.sudo().write(
                {"kam_revenue_current": 100.0 * index, "kam_last_order_date": date(2025, 1, index + 1)}
            )
            accounts |= account
        self.env["kam.risk.signal"].sudo().create(
            [{"partner_id": a.id, "signal_type": "silence", "severity": "low"} for a in accounts]
        )
        Export = self.env["kam.account.export"].with_user(self.kam_user).with_context(active_model="res.partner")

        def count(partners):
            wizard = Export.with_context(active_ids=partners.ids).create({})
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            wizard.action_export()
            return self.env.cr.sql_log_count - before

        count(self.account | accounts[:1])  # warm the caches (access rules, formats)
        self.assertEqual(count(self.account | accounts[:1]), count(self.account | accounts))

    def test_standard_export_every_model(self):
        """Odoo's export works on every model of the addon (and on its
        fields added to core models), and no two exportable fields of a
        model share a label (the export dialog could not tell them apart)."""
        self.env["kam.preference"].with_user(self.kam_user).create(
            {
                "partner_id": self.account.id,
                "category_id": self.env.ref("key_account_management.kam_preference_category_delivery").id,
                "description": "Deliver before noon",
            }
        )
        self.env["kam.interaction"].with_user(self.kam_user).create(
            {"partner_id": self.account.id, "name": "Kick-off", "channel": "visit", "satisfaction": 4}
        )
        self.env["kam.health.snapshot"].sudo().create(
            {"partner_id": self.account.id, "score": 42, "risk_level": "high"}
        )
        if not self.env["kam.health.check"].sudo().search_count([("partner_id", "=", self.account.id)]):
            self.env["kam.health.check"].sudo().create({"partner_id": self.account.id, "check_date": date.today()})
        self._order(self.account, 500)
        self.env.flush_all()

        modules = self.env["ir.model"].search([])
        models_ = modules.filtered(lambda m: "key_account_management" in (m.modules or "").split(", "))
        self.assertTrue(
            {"kam.preference", "kam.interaction", "kam.risk.signal", "res.partner"} <= set(models_.mapped("model"))
        )
        # Exporting is a right of its own (Settings: "Allow export").
        self.kam_manager.groups_id = [Command.link(self.env.ref("base.group_allow_export").id)]
        must_have_rows = {
            "kam.preference",
            "kam.interaction",
            "kam.risk.signal",
            "kam.health.snapshot",
            "kam.health.check",
            "kam.tier",
            "kam.tier.history",
            "kam.preference.category",
            "kam.duty",
            "res.partner",
            "sale.order",
        }
        # the jobs' own tables no key account role reads (the access matrix of test_security.py): exported
        # by an administrator
        ADMIN_ONLY = {"kam.health.check"}
        admin = new_test_user(self.env, "kam_export_admin", groups="base.group_system,base.group_allow_export")
        for ir_model in models_:
            Model = self.env[ir_model.model].with_user(self.kam_manager)
            if Model._abstract:
                continue
            if ir_model.model in ADMIN_ONLY:
                Model = Model.with_user(admin)
            if ir_model.model.startswith("kam."):
                ours = set(Model._fields)
            else:
                ours = {fname for fname, field in Model._fields.items() if field._module == "key_account_management"}
            if not ours:
                continue
            with self.subTest(model=ir_model.model):
                described = Model.fields_get(attributes=["string", "exportable"])
                described["id"]["string"] = "External ID"
                by_label = defaultdict(set)
                for fname, desc in described.items():
                    if desc.get("exportable", True):
                        by_label[desc["string"].strip().lower()].add(fname)
                clashes = {label: names for label, names in by_label.items() if len(names) > 1 and names & ours}
                self.assertFalse(clashes, f"fields of {ir_model.model} sharing a label")
                if Model._transient:
                    continue
                exported = sorted(
                    fname
                    for fname in ours & set(described)
                    if fname != "id" and Model._fields[fname].store and described[fname].get("exportable", True)
                )
                records = Model.search([], limit=20)
                if ir_model.model in must_have_rows:
                    self.assertTrue(records, f"no {ir_model.model} record to export")
                result = records.export_data([".id", *exported])
                self.assertGreaterEqual(len(result["datas"]), len(records))
                self.assertEqual({row[0] for row in result["datas"] if row[0]}, {str(rid) for rid in records.ids})


@tagged("post_install", "-at_install")
class TestKamImport(KamCommon):
    OPTIONS = {
        "import_skip_records": [],
        "import_set_empty_fields": [],
        "fallback_values": {},
        "name_create_enabled_fields": {},
        "encoding": "utf-8",
        "separator": ",",
        "quoting": '"',
        "date_format": "",
        "datetime_format": "",
        "float_thousand_separator": ",",
        "float_decimal_separator": ".",
        "advanced": True,
        "has_headers": True,
        "keep_matches": False,
        "limit": 2000,
        "skip": 0,
        "tracking_disable": True,
    }
    TEMPLATES = {
        "res.partner": "key_account_management/static/xls/kam_key_accounts.xlsx",
        "kam.preference": "key_account_management/static/xls/kam_preference.xlsx",
        "kam.interaction": "key_account_management/static/xls/kam_interaction.xlsx",
    }
    ACCOUNT_NAMES = [
        "Huaxin Precision Machinery Co., Ltd.",
        "Nordwerk Industrietechnik GmbH",
        "Pacific Coast Packaging Inc.",
    ]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The templates use the default tiers of every install (put back in
        # place of the test tiers).
        (cls.tier_a | cls.tier_b | cls.tier_c).active = False
        cls.default_tiers = (
            cls.env.ref("key_account_management.kam_tier_strategic")
            | cls.env.ref("key_account_management.kam_tier_key")
            | cls.env.ref("key_account_management.kam_tier_growth")
        )
        cls.default_tiers.active = True

    def _template(self, model):
        with file_open(self.TEMPLATES[model], "rb") as template:
            return template.read()

    def _import(self, user, model, content, file_type=XLSX):
        """Import ``content`` as ``user`` as the import screen does: its own
        column matching, then execute_import. Returns (result, matched fields)."""
        wizard = (
            self.env["base_import.import"]
            .with_user(user)
            .create({"res_model": model, "file": content, "file_type": file_type, "file_name": "import"})
        )
        preview = wizard.parse_preview(dict(self.OPTIONS))
        self.assertFalse(preview.get("error"), preview.get("error"))
        matches = preview["matches"]
        fields_ = ["/".join(matches[index]) if index in matches else False for index in range(len(preview["headers"]))]
        self.assertTrue(all(fields_), f"every header of the file is matched to a field: {preview['headers']}")
        return wizard.execute_import(fields_, preview["headers"], dict(self.OPTIONS)), fields_

    def _edited_template(self, model, edits):
        """The template with cells replaced: {(row, header): value}, rows
        counted from 1 after the header row."""
        workbook = openpyxl.load_workbook(io.BytesIO(self._template(model)))
        sheet = workbook.worksheets[0]
        headers = [cell.value for cell in sheet[1]]
        for (row, header), value in edits.items():
            sheet.cell(row=row + 1, column=headers.index(header) + 1, value=value)
        output = io.BytesIO()
        workbook.save(output)
        return output.getvalue()

    def _csv(self, rows):
        output = io.StringIO()
        csv.writer(output).writerows(rows)
        return output.getvalue().encode()

    def _errors_by_row(self, result, bad_rows):
        """{row: messages} of a refused import, rows counted from 0 after
        the header. Every bad row is reported; core's load also reports the
        error of the failed batch create on the batch's first row (0)."""
        self.assertFalse(result["ids"], "nothing is imported when a row is in error")
        errors = defaultdict(str)
        for message in result["messages"]:
            if message["type"] == "error":
                errors[message["rows"]["from"]] += message["message"] + "\n"
        self.assertLessEqual(set(bad_rows), set(errors), "each bad row is reported")
        self.assertLessEqual(set(errors) - set(bad_rows), {0}, "good rows are not blamed")
        return errors

    def _count(self, model, domain=None):
        return self.env[model].with_context(active_test=False).search_count(domain or [])

    def _import_accounts(self):
        result, __ = self._import(self.kam_manager, "res.partner", self._template("res.partner"))
        self.assertEqual(result["messages"], [])
        return self.env["res.partner"].browse(result["ids"])

    def test_templates_offered(self):
        """The import screen offers the templates the other tests import
        (core's customer template is kept)."""
        labels = {
            "res.partner": "Import Template for Key Accounts",
            "kam.preference": "Import Template for Key Account Preferences",
            "kam.interaction": "Import Template for Key Account Interactions",
        }
        for model, label in labels.items():
            templates = {
                t["label"]: t["template"] for t in self.env[model].with_user(self.kam_user).get_import_templates()
            }
            self.assertEqual(templates.get(label), "/" + self.TEMPLATES[model])
            with file_open(self.TEMPLATES[model], "rb") as content:
                self.assertEqual(content.read(4), b"PK\x03\x04", "an xlsx (zip) file")
        self.assertIn(
            "Import Template for Customers", [t["label"] for t in self.env["res.partner"].get_import_templates()]
        )

    def test_templates_import_cleanly(self):
        accounts = self._import_accounts()
        self.assertEqual(accounts.mapped("name"), self.ACCOUNT_NAMES)
        self.assertTrue(all(accounts.mapped("kam_is_key_account")))
        self.assertTrue(all(accounts.mapped("is_company")))
        self.assertEqual(accounts.kam_tier_id, self.default_tiers)
        self.assertEqual(accounts[0].kam_tier_id, self.env.ref("key_account_management.kam_tier_strategic"))
        self.assertEqual(accounts.kam_manager_id, self.env.ref("base.user_admin"))
        self.assertEqual(accounts[0].country_id.code, "CN")
        self.assertEqual(accounts[0].kam_key_account_since, date(2024, 1, 15))
        self.assertEqual(accounts[0].kam_potential, 80)

        # The key account user joins their teams and imports the log.
        accounts.with_user(self.kam_manager).kam_team_user_ids = [Command.link(self.kam_user.id)]
        result, __ = self._import(self.kam_user, "kam.preference", self._template("kam.preference"))
        self.assertEqual(result["messages"], [])
        preferences = self.env["kam.preference"].browse(result["ids"])
        self.assertEqual(len(preferences), 3)
        self.assertEqual(preferences.partner_id, accounts[:2])
        self.assertEqual(preferences[0].importance, "critical")
        self.assertEqual(
            preferences[0].category_id, self.env.ref("key_account_management.kam_preference_category_packaging")
        )
        self.assertEqual(preferences[0].source, "contract")
        self.assertEqual(preferences.verified_by_id, self.kam_user)

        result, __ = self._import(self.kam_user, "kam.interaction", self._template("kam.interaction"))
        self.assertEqual(result["messages"], [])
        interactions = self.env["kam.interaction"].browse(result["ids"])
        self.assertEqual(interactions.mapped("channel"), ["meeting", "complaint", "phone"])
        self.assertEqual(interactions.mapped("satisfaction"), [4, 2, 0])
        self.assertEqual(interactions[1].resolution_state, "open", "an imported complaint is an open case")
        self.assertEqual(interactions[0].partner_id, accounts[0])
        self.assertEqual(fields.Datetime.to_string(interactions[0].date)[:10], "2025-03-04")

    def test_key_account_template_needs_manager_for_tiers(self):
        """A key account user may create key accounts but not set their
        tier: the template (which sets tiers) is refused as a whole."""
        before = self._count("res.partner")
        result, __ = self._import(self.kam_user, "res.partner", self._template("res.partner"))
        errors = self._errors_by_row(result, {0, 1, 2})
        for row in (0, 1, 2):
            self.assertIn("Only key account managers can set or lock the tier", errors[row])
        self.assertEqual(self._count("res.partner"), before)

    def test_bad_key_account_row(self):
        before = self._count("res.partner")
        content = self._edited_template(
            "res.partner",
            {(2, "Tier/External ID"): "key_account_management.kam_tier_gold", (3, "Growth Potential"): 250},
        )
        result, __ = self._import(self.kam_manager, "res.partner", content)
        errors = self._errors_by_row(result, {1, 2})
        self.assertRegex(errors[1], "No matching record found for external id 'key_account_management.kam_tier_gold'")
        self.assertIn("Tier", errors[1])
        self.assertIn("Growth potential of “Pacific Coast Packaging Inc.” must be between 0 and 100", errors[2])
        self.assertEqual(self._count("res.partner"), before)
        self.assertFalse(self._count("res.partner", [("name", "in", self.ACCOUNT_NAMES)]), "nothing half-imported")

    def test_bad_preference_rows(self):
        """CSV with the template's headers: a row for a company that is no
        key account and a row without description are refused with their
        row and reason; the valid row is not imported either."""
        not_key = self.env["res.partner"].create(
            {"name": "Not Key Ltd", "is_company": True, "kam_manager_id": self.kam_user.id}
        )
        self.assertFalse(not_key.kam_is_key_account)
        headers = [
            cell.value for cell in openpyxl.load_workbook(io.BytesIO(self._template("kam.preference"))).worksheets[0][1]
        ]
        packaging = "key_account_management.kam_preference_category_packaging"
        content = self._csv(
            [
                headers,
                ["Acme Key Account", packaging, "Important", "Pallets of at most 1.2 m", "Meeting", "", ""],
                ["Not Key Ltd", packaging, "Critical", "Shrink-wrapped pallets", "Email", "", ""],
                ["Acme Key Account", packaging, "Info", "", "Visit", "", ""],
            ]
        )
        before = self._count("kam.preference")
        result, fields_ = self._import(self.kam_user, "kam.preference", content, file_type="text/csv")
        self.assertEqual(fields_[:4], ["partner_id", "category_id/id", "importance", "description"])
        errors = self._errors_by_row(result, {1, 2})
        self.assertIn("“Not Key Ltd” is not a key account: mark it as key account first", errors[1])
        self.assertIn("Describe the preference: the description cannot be empty.", errors[2])
        self.assertEqual(self._count("kam.preference"), before)

    def test_bad_interaction_rows(self):
        accounts = self._import_accounts()
        accounts.with_user(self.kam_manager).kam_team_user_ids = [Command.link(self.kam_user.id)]
        content = self._edited_template("kam.interaction", {(1, "Satisfaction"): 7, (3, "Channel"): "Fax"})
        before = self._count("kam.interaction")
        result, __ = self._import(self.kam_user, "kam.interaction", content)
        errors = self._errors_by_row(result, {0, 2})
        self.assertIn("Value 'Fax' not found in selection field 'Channel'", errors[2])
        self.assertIn(
            "Satisfaction of “Quarterly business review Q1” is a score from 1 to 5 (leave it empty when not rated).",
            errors[0],
        )
        self.assertEqual(self._count("kam.interaction"), before)

    def test_import_refused_for_other_accounts(self):
        """A key account user cannot import log entries into accounts he is
        not in the team of: the file is refused, nothing created."""
        content = self._csv(
            [
                ["Key Account", "Subject", "Date", "Channel"],
                ["Acme Key Account", "Visit", "2025-03-01 10:00:00", "Visit"],
                ["Other Key Account", "Call", "2025-03-02 10:00:00", "Phone Call"],
            ]
        )
        before = self._count("kam.interaction")
        result, __ = self._import(self.kam_user, "kam.interaction", content, file_type="text/csv")
        errors = self._errors_by_row(result, {1})
        self.assertIn("doesn't have 'create' access to:\n- Key Account Interaction", errors[1])
        self.assertEqual(self._count("kam.interaction"), before)


@tagged("post_install", "-at_install")
class TestKamXlsxDownload(HttpCase):
    def test_download_own_export_only(self):
        """The URL the export returns serves the file to whoever made it,
        and to nobody else."""
        user = new_test_user(self.env, "kam_dl_user", groups="key_account_management.group_kam_user")
        new_test_user(self.env, "kam_dl_other", groups="key_account_management.group_kam_user")
        account = self.env["res.partner"].create(
            {"name": "Download Trading Co.", "is_company": True, "kam_is_key_account": True, "kam_manager_id": user.id}
        )
        wizard = (
            self.env["kam.account.export"]
            .with_user(user)
            .with_context(active_model="res.partner", active_ids=account.ids)
            .create({})
        )
        url = wizard.action_export()["url"]

        self.authenticate("kam_dl_user", "kam_dl_user")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertEqual(response.headers["Content-Type"], XLSX)
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        self.assertEqual(sheet["A2"].value, "Download Trading Co.")

        self.authenticate("kam_dl_other", "kam_dl_other")
        response = self.url_open(url)
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn(b"Download Trading Co.", response.content)
