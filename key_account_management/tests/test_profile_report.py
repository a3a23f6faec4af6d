# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import subprocess
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import KamCommon

REPORT = "key_account_management.action_report_kam_account_profile"


@tagged("post_install", "-at_install")
class TestKamProfileReport(KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # wkhtmltopdf fetches the report's stylesheets from the server; under
        # the test runner that server waits for this test's transaction, so
        # point it to a closed port: the PDF is then printed unstyled at once
        # (the tests check its text, not its look).
        cls.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        month_start = cls.today.replace(day=1)

        def at(day):
            return datetime.combine(day, time(0, 30))

        # sales: this month, last month (by a contact), a year ago, in another currency, too old, not confirmed
        cls._order(cls.account, 1234.5, when=at(month_start))
        cls._order(cls.contact, 400, when=at(month_start - relativedelta(months=1) + timedelta(days=14)))
        cls._order(cls.account, 800, when=at(month_start - relativedelta(months=12) + timedelta(days=3)))
        cls._order(
            cls.account, 100, pricelist=cls.pricelist_other, when=at(month_start - relativedelta(months=5))
        )  # 100 KMX = 200
        cls._order(cls.account, 9999, when=at(month_start - relativedelta(months=24)))
        cls._order(cls.account, 7777, confirm=False, when=at(month_start))
        cls._order(cls.other_account, 5555, when=at(month_start))

        cls.account.write(
            {
                "kam_business_scope": "Precision bearings for wind turbines",
                "kam_team_user_ids": [Command.link(cls.kam_manager.id)],
                "phone": "+86 21 5555 0101",
            }
        )
        cls.contact.write(
            {
                "function": "Purchasing Director",
                "kam_buying_role": "decision_maker",
                "kam_influence": 5,
                "kam_relationship": 4,
            }
        )
        packaging = cls.env.ref("key_account_management.kam_preference_category_packaging")
        price = cls.env["kam.preference.category"].create({"name": "Price sensitivity", "confidential": True})
        cls.env["kam.preference"].create(
            [
                {
                    "partner_id": cls.account.id,
                    "category_id": packaging.id,
                    "description": "Wooden crates, no plastic wrap",
                    "importance": "critical",
                },
                {
                    "partner_id": cls.account.id,
                    "category_id": price.id,
                    "description": "Accepts at most 3 percent increase per year",
                },
                {
                    "partner_id": cls.other_account.id,
                    "category_id": packaging.id,
                    "description": "Cardboard only for the other account",
                },
            ]
        )
        now = datetime.now()
        cls.env["kam.interaction"].create(
            [
                {
                    "partner_id": cls.account.id,
                    "name": f"Visit #{n:02d}",
                    "channel": "visit",
                    "date": now - timedelta(days=n),
                    "outcome": f"Outcome of visit {n:02d}",
                    "satisfaction": 4,
                }
                for n in range(1, 13)
            ]
            + [
                {
                    "partner_id": cls.account.id,
                    "name": "Planned visit next week",
                    "channel": "visit",
                    "state": "planned",
                    "date": now + timedelta(days=7),
                },
                {"partner_id": cls.other_account.id, "name": "Visit of the other account", "channel": "visit"},
            ]
        )
        cls.responsibility = cls.env["kam.responsibility"].create(
            {
                "partner_id": cls.account.id,
                "duty_id": cls.env.ref("key_account_management.kam_duty_data_analysis").id,
                "raci": "informed",
                "user_id": cls.kam_user2.id,
                "cadence": "quarterly",
            }
        )
        cls.plan = cls.env["kam.plan"].create(
            {
                "name": "Growth plan 2026",
                "partner_id": cls.account.id,
                "date_start": cls.today - timedelta(days=30),
                "date_end": cls.today + timedelta(days=300),
                "objective_ids": [
                    Command.create({"name": "Double the bearings revenue", "metric": "revenue", "target": 5000})
                ],
            }
        )
        cls.plan.action_activate()
        cls.env["kam.plan"].create({"name": "Draft plan not printed", "partner_id": cls.account.id})
        Signal = cls.env["kam.risk.signal"]
        Signal.create(
            [
                {
                    "partner_id": cls.account.id,
                    "signal_type": "spend_drop",
                    "severity": "high",
                    "description": "Spend down 45 percent against the previous window",
                    "first_seen": cls.today - timedelta(days=20),
                },
                {
                    "partner_id": cls.account.id,
                    "signal_type": "overdue",
                    "severity": "medium",
                    "description": "Invoice INV/0042 overdue by 40 days",
                    "first_seen": cls.today - timedelta(days=60),
                    "resolved_on": cls.today - timedelta(days=30),
                },
                {
                    "partner_id": cls.account.id,
                    "signal_type": "silence",
                    "severity": "low",
                    "description": "Old resolved silence",
                    "first_seen": cls.today - timedelta(days=400),
                    "resolved_on": cls.today - timedelta(days=200),
                },
            ]
        )
        # 14 weekly snapshots, scores 50 (oldest) to 63 (latest): the profile shows the last 12
        cls.env["kam.health.snapshot"].create(
            [
                {
                    "partner_id": cls.account.id,
                    "date": cls.today - timedelta(weeks=13 - n),
                    "score": 50 + n,
                    "risk_level": "medium",
                }
                for n in range(14)
            ]
        )
        cls.account.write(
            {
                "kam_health_score": 63,
                "kam_risk_level": "medium",
                "kam_health_band": "watch",
            }
        )

    def _html(self, partners, user):
        html, __ = self.env["ir.actions.report"].with_user(user)._render_qweb_html(REPORT, partners.ids)
        return html.decode()

    def _values(self, partners, user):
        return (
            self.env["report.key_account_management.report_kam_account_profile"]
            .with_user(user)
            ._get_report_values(partners.ids)
        )

    def test_monthly_sales(self):
        Figures = self.env["kam.account.figures"]
        sales = Figures._monthly_sales([self.account.id, self.other_account.id], 24, self.today)
        months = sales[self.account.id]
        self.assertEqual(len(months), 24)
        self.assertEqual(months[-1]["month"], self.today.replace(day=1))
        self.assertEqual(months[0]["month"], self.today.replace(day=1) - relativedelta(months=23))
        by_age = {23 - i: (m["revenue"], m["order_count"]) for i, m in enumerate(months)}
        self.assertEqual(by_age[0], (1234.5, 1), "draft orders and other accounts do not count")
        self.assertEqual(by_age[1], (400.0, 1), "orders of contacts count for their company")
        self.assertEqual(by_age[5], (200.0, 1), "100 KMX is 200 in company currency")
        self.assertEqual(by_age[12], (800.0, 1))
        self.assertEqual(sum(m["order_count"] for m in months), 4, "the order of 24 months ago is out")
        self.assertEqual(sales[self.other_account.id][-1]["revenue"], 5555.0)
        in_kmx = Figures._monthly_sales([self.account.id], 24, self.today, {self.account.id: self.other_currency})
        self.assertEqual(in_kmx[self.account.id][-1]["revenue"], 617.25)
        self.assertEqual(Figures._monthly_sales([], 24, self.today), {})

    def test_profile_rendered_as_account_manager(self):
        """The account's manager (a key account user) prints it: every
        section is filled from the live records."""
        values = self._values(self.account, self.kam_user)
        self.assertEqual(values["docs"], self.account)
        profile = values["profiles"][self.account.id]
        years = profile["years"]
        self.assertEqual(years["rows"][-1]["current"]["revenue"], 1234.5)
        self.assertEqual(years["rows"][-1]["before"]["revenue"], 800.0)
        self.assertEqual(years["rows"][-1]["change"], 54.3)
        self.assertEqual(years["total_current"], 1834.5)
        self.assertEqual(len(profile["interactions"]), 10)
        self.assertEqual(profile["interactions"][0].name, "Visit #01")
        self.assertEqual(profile["snapshots"].mapped("score"), list(range(63, 51, -1)))
        self.assertEqual(profile["plan"], self.plan)

        html = self._html(self.account, self.kam_user)
        for text in (
            "Key Account Profile",
            "Acme Key Account",
            "Precision bearings for wind turbines",
            "+86 21 5555 0101",
            "KAM Manager",  # account team
            # key contacts with their role
            "Acme Buyer",
            "Purchasing Director",
            "Decision Maker",
            # 24-month trend
            "1,234.50",
            "54.3",
            # preferences, confidential ones included for the account's manager
            "Wooden crates, no plastic wrap",
            "Accepts at most 3 percent increase per year",
            # last 10 interactions
            "Visit #01",
            "Visit #10",
            "Outcome of visit 01",
            # responsibilities
            "KAM User Two",
            "Informed (I)",
            "Quarterly",
            # active plan with objectives
            "Growth plan 2026",
            "Double the bearings revenue",
            # risks and health
            "Spend down 45 percent against the previous window",
            "Invoice INV/0042 overdue by 40 days",
            "Watch",
        ):
            self.assertIn(text, html)
        for text in (
            "Cardboard only for the other account",
            "Visit of the other account",
            "Visit #11",
            "Visit #12",
            "Planned visit next week",
            "Draft plan not printed",
            "Old resolved silence",
            "9,999.00",
            "7,777.00",
        ):
            self.assertNotIn(text, html)

    def test_profile_pdf(self):
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_user(self.kam_user)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, self.account.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
        text = text.decode()
        for expected in (
            "Key Account Profile",
            "Acme Key Account",
            "Purchasing Director",
            "Wooden crates, no plastic wrap",
            "Growth plan 2026",
            "Spend down 45 percent",
        ):
            self.assertIn(expected, text)

    def test_several_accounts_at_once(self):
        """A key account manager prints the profiles of several accounts at
        once: each document has its own account's data, a PDF page each."""
        accounts = self.account | self.other_account
        values = self._values(accounts, self.kam_manager)
        self.assertEqual(values["docs"], accounts)
        self.assertEqual(
            values["profiles"][self.other_account.id]["preferences"].mapped("description"),
            ["Cardboard only for the other account"],
        )
        self.assertEqual(values["profiles"][self.other_account.id]["years"]["total_current"], 5555.0)
        html = self._html(accounts, self.kam_manager)
        self.assertEqual(html.count("Key Account Profile"), 2)
        for text in ("Acme Key Account", "Other Key Account", "Wooden crates", "Cardboard only", "5,555.00"):
            self.assertIn(text, html)
        # one body per account: what wkhtmltopdf turns into one document each
        bodies, html_ids, *__ = self.env.ref(REPORT)._prepare_html(html.encode(), report_model="res.partner")
        self.assertEqual(html_ids, accounts.ids)
        self.assertIn("Acme Key Account", bodies[0])
        self.assertNotIn("Other Key Account", bodies[0])
        self.assertIn("Other Key Account", bodies[1])
        self.assertNotIn("Wooden crates", bodies[1])

    def test_several_accounts_pdf(self):
        """One PDF with one document per account, in the order printed,
        whichever wkhtmltopdf is installed (without patched Qt, the accounts
        are printed one at a time and merged)."""
        accounts = self.account | self.other_account
        pdf, __ = (
            self.env["ir.actions.report"]
            .with_user(self.kam_manager)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, accounts.ids)
        )
        pages = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        pages = pages.split("\f")
        first = next(i for i, page in enumerate(pages) if "Acme Key Account" in page)
        second = next(i for i, page in enumerate(pages) if "Other Key Account" in page)
        self.assertLess(first, second, "one document per account, in the order printed")
        self.assertNotIn("Other Key Account", "".join(pages[:second]))

    def test_contact_prints_its_company(self):
        values = self._values(self.contact, self.kam_user)
        self.assertEqual(values["docs"], self.account)

    def test_queries_do_not_grow_with_accounts(self):
        """Sections are read for all printed accounts at once."""
        more = self.env["res.partner"]
        for n in range(3):
            account = self._make_account(f"Extra account {n}", manager=self.kam_user)
            self._order(account, 100 + n, days_ago=3)
            self.env["kam.interaction"].create({"partner_id": account.id, "name": f"Call {n}", "channel": "phone"})
            self.env["kam.risk.signal"].create({"partner_id": account.id, "signal_type": "silence"})
            more |= account
        self.env.flush_all()
        self.env.invalidate_all()
        Report = self.env["ir.actions.report"].with_user(self.kam_manager)
        Report._render_qweb_html(REPORT, more[:1].ids)  # warm up the template and the caches of settings
        self.env.invalidate_all()
        count = self.env.cr.sql_log_count
        Report._render_qweb_html(REPORT, more[:1].ids)
        one = self.env.cr.sql_log_count - count
        self.env.invalidate_all()
        count = self.env.cr.sql_log_count
        Report._render_qweb_html(REPORT, more.ids)
        three = self.env.cr.sql_log_count - count
        self.assertEqual(three, one, f"{one} queries for one account, {three} for three")

    def test_other_users_account_refused(self):
        """kam_user2 manages another account: kam_user's account is refused,
        alone or within a selection, and so is a salesman without the key
        account group."""
        with self.assertRaisesMessage(AccessError, "Acme Key Account"):
            self._html(self.account, self.kam_user2)
        with self.assertRaisesMessage(AccessError, "only print the profile of key accounts you manage"):
            self._values(self.account | self.other_account, self.kam_user2)
        with self.assertRaisesMessage(AccessError, "Only key account users"):
            self._html(self.account, self.salesman)
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(self.kam_user2).with_context(
                force_report_rendering=True
            )._render_qweb_pdf(REPORT, self.account.ids)
        # once in the account team, kam_user2 may print it
        self.account.kam_team_user_ids = [Command.link(self.kam_user2.id)]
        self.assertIn("Acme Key Account", self._html(self.account, self.kam_user2))

    def test_not_key_account_refused(self):
        prospect = self.env["res.partner"].create({"name": "Plain Prospect Ltd", "is_company": True})
        with self.assertRaisesMessage(UserError, r"not key accounts: Plain Prospect Ltd\. Mark them"):
            self._html(prospect, self.kam_manager)
        with self.assertRaisesMessage(UserError, r"not key accounts: Plain Prospect Ltd\. Mark them"):
            self._values(self.account | prospect, self.kam_user)
        with self.assertRaisesMessage(UserError, "Select the key accounts"):
            self._values(self.env["res.partner"].browse(999999999), self.kam_user)

    def test_print_button_and_menu(self):
        report = self.env.ref(REPORT)
        self.assertEqual(report.binding_model_id.model, "res.partner")
        self.assertIn(self.env.ref("key_account_management.group_kam_user"), report.groups_id)
        bindings = self.env["ir.actions.actions"].with_user(self.kam_user).get_bindings("res.partner")
        self.assertIn(report.id, [action["id"] for action in bindings.get("report", [])])
        bindings = self.env["ir.actions.actions"].with_user(self.salesman).get_bindings("res.partner")
        self.assertNotIn(report.id, [action["id"] for action in bindings.get("report", [])])
        arch = self.env["res.partner"].with_user(self.kam_user).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn(f'name="{report.id}"', arch)
        self.assertIn("Print Profile", arch)

    def _activate_zh_cn(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["key_account_management"], ["zh_CN"], overwrite=True)
        self.account.lang = "zh_CN"

    def test_profile_in_customer_language(self):
        """The document follows the customer's language: labels of
        selections and translated records come out in Chinese."""
        self._activate_zh_cn()
        html = self._html(self.account, self.kam_user)
        self.assertIn("决策者", html)  # buying role
        self.assertIn("包装", html)  # preference category
        self.assertNotIn("Decision Maker", html)
        # the other account keeps English
        html = self._html(self.other_account, self.kam_manager)
        self.assertIn("Key Account Profile", html)

    def test_profile_title_zh_cn(self):
        """Fails until the lead adds the report's terms to zh_CN.po."""
        self._activate_zh_cn()
        html = self._html(self.account, self.kam_user)
        self.assertIn("大客户档案", html)
        self.assertNotIn("Key Account Profile", html)
