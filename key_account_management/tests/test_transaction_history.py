# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import subprocess
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..models.kam_transaction_history import ORDER_LIMIT
from .common import KamInvoicingCommon

REPORT = "key_account_management.action_report_kam_account_profile"


# AccountTestInvoicingCommon loads a chart of accounts: after every module is
# loaded, as core's invoicing tests do
@tagged("post_install", "-at_install")
class TestKamTransactionHistory(KamInvoicingCommon):
    """The transaction history of a key account (partner form page and PDF
    profile): orders, invoices, credit notes and top products, read as the
    key account user who manages the account."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.journal = cls.company_data["default_journal_sale"]
        # kam_user manages cls.account and has no accounting group; kam_billing is in the
        # account team and is a billing user too
        cls.kam_billing = new_test_user(
            cls.env,
            "kam_billing",
            groups="key_account_management.group_kam_user,account.group_account_invoice",
            name="KAM Billing",
        )
        cls.account.kam_team_user_ids = [Command.link(cls.kam_billing.id)]
        Product = cls.env["product.product"]
        cls.bolt = Product.create({"name": "KAM Bolt", "type": "consu", "list_price": 1.0})
        cls.gear = Product.create({"name": "KAM Gear", "type": "consu", "list_price": 1.0})
        cls.shaft = Product.create({"name": "KAM Shaft", "type": "consu", "list_price": 1.0})

    @classmethod
    def _order_lines(cls, partner, lines, days_ago=10, pricelist=None, company=None):
        """A confirmed order of ``lines`` [(product, quantity, unit price)]
        placed ``days_ago`` days ago (prices in the pricelist's currency)."""
        vals = {
            "partner_id": partner.id,
            "order_line": [
                Command.create(
                    {"product_id": product.id, "product_uom_qty": qty, "price_unit": price, "tax_id": [Command.clear()]}
                )
                for product, qty, price in lines
            ],
        }
        if company:  # its defaults (team, pricelist) in that company
            vals["company_id"] = company.id
        else:
            vals["pricelist_id"] = (pricelist or cls.pricelist_company).id
        order = cls.env["sale.order"].with_company(company or cls.env.company).create(vals)
        order.action_confirm()
        order.date_order = datetime.combine(cls.today - relativedelta(days=days_ago), time(12, 0))
        return order

    @classmethod
    def _invoice(cls, partner, amount, invoice_days_ago, due_days=30, move_type="out_invoice"):
        invoice_date = cls.today - relativedelta(days=invoice_days_ago)
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "journal_id": cls.journal.id,
                "invoice_date": invoice_date,
                "invoice_date_due": invoice_date + relativedelta(days=due_days),
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": cls.bolt.id, "quantity": 1, "price_unit": amount, "tax_ids": [Command.clear()]}
                    )
                ],
            }
        )
        move.action_post()
        return move

    def _history(self, user, account=None):
        account = account or self.account
        return account.with_user(user).kam_transaction_history()[account.id]

    def test_last_orders_with_lines(self):
        """The confirmed orders of the account and of its contacts, newest
        first, with their lines; drafts, other accounts' orders and orders
        older than ORDER_MONTHS left out; at most ORDER_LIMIT orders."""
        old = self._order_lines(self.account, [(self.bolt, 3, 10.0), (self.gear, 2, 50.0)], days_ago=20)
        by_contact = self._order_lines(self.contact, [(self.shaft, 1, 700.0)], days_ago=5)
        self._order(self.account, 999, days_ago=1, confirm=False)
        self._order(self.other_account, 555, days_ago=1)
        self._order(self.account, 4242, days_ago=800)  # before the last ORDER_MONTHS months
        history = self._history(self.kam_user)
        self.assertEqual([order["name"] for order in history["orders"]], [by_contact.name, old.name])
        first, second = history["orders"]
        self.assertEqual(first["ordered_by"], "Acme Buyer", "a contact's order counts for its account")
        self.assertFalse(second["ordered_by"])
        self.assertEqual(first["date"], self.today - relativedelta(days=5))
        self.assertEqual(second["amount"], 130.0)
        self.assertEqual(
            [(line["product"], line["quantity"], line["amount"]) for line in second["lines"]],
            [("KAM Bolt", 3.0, 30.0), ("KAM Gear", 2.0, 100.0)],
        )
        self.assertEqual(first["lines"][0]["uom"], "Units")
        # only the last ORDER_LIMIT orders
        for days in range(ORDER_LIMIT):
            self._order(self.account, 10 + days, days_ago=6 + days)
        orders = self._history(self.kam_user)["orders"]
        self.assertEqual(len(orders), ORDER_LIMIT)
        self.assertNotIn(old.name, [order["name"] for order in orders])
        self.assertEqual(orders[0]["name"], by_contact.name)

    def test_order_in_other_currency_and_other_company(self):
        """An order in another currency shows in company currency; an order
        of a company the user is not in does not show, nor count in the top
        products."""
        kmx = self._order_lines(self.account, [(self.gear, 1, 100.0)], days_ago=3, pricelist=self.pricelist_other)
        history = self._history(self.kam_user)
        self.assertEqual([order["name"] for order in history["orders"]], [kmx.name])
        self.assertEqual(history["orders"][0]["amount"], 200.0)  # 100 KMX = 200 USD at the order's rate
        self.assertEqual(history["orders"][0]["lines"][0]["amount"], 200.0)
        # a key account shared by all companies (one of an earlier version: marking a key account
        # gives it the company, see TestKamAnalysis.test_multi_company), with an order in each company
        shared = self._make_account("Shared Key Account", manager=self.kam_user)
        shared.kam_team_user_ids = [Command.link(self.kam_billing.id)]
        self.env.cr.execute("UPDATE res_partner SET company_id = NULL WHERE id = %s", [shared.id])
        self.env["res.partner"].invalidate_model(["company_id"])
        other_company = self.env["res.company"].create({"name": "KAM Other Company", "currency_id": self.usd.id})
        ours = self._order_lines(shared, [(self.bolt, 1, 50.0)], days_ago=3)
        foreign = self._order_lines(shared, [(self.shaft, 1, 5000.0)], days_ago=2, company=other_company)
        history = self._history(self.kam_user, shared)
        self.assertEqual([order["name"] for order in history["orders"]], [ours.name])
        self.assertEqual([product["product"] for product in history["top_products"]], ["KAM Bolt"])
        # a user of both companies, working in the other one, reads that company's order only
        self.kam_billing.company_ids = [Command.link(other_company.id)]
        history = (
            shared.with_user(self.kam_billing)
            .with_context(allowed_company_ids=other_company.ids)
            .kam_transaction_history()[shared.id]
        )
        self.assertEqual([order["name"] for order in history["orders"]], [foreign.name])
        self.assertEqual([product["product"] for product in history["top_products"]], ["KAM Shaft"])

    def test_invoices_days_to_pay_and_credit_notes(self):
        """A paid invoice shows its days to pay (invoice date to payment),
        an open one its days overdue; a credit note shows with its amount
        and the invoice it reverses."""
        late = self._invoice(self.contact, 1000.0, invoice_days_ago=80)  # due 50 days ago
        self._pay(late, days_ago=35)  # paid 45 days after the invoice date, 15 days late
        open_invoice = self._invoice(self.account, 400.0, invoice_days_ago=40)  # due 10 days ago
        refund = open_invoice._reverse_moves([{"invoice_date": self.today, "ref": "Damaged crates"}])
        refund.invoice_line_ids.price_unit = 150.0
        refund.action_post()
        self._invoice(self.other_account, 777.0, invoice_days_ago=5)
        history = self._history(self.kam_billing)
        self.assertTrue(history["show_invoices"])
        invoices = {invoice["name"]: invoice for invoice in history["invoices"]}
        self.assertEqual(set(invoices), {late.name, open_invoice.name})
        self.assertEqual(invoices[late.name]["days_to_pay"], 45)
        self.assertEqual(invoices[late.name]["paid_date"], self.today - relativedelta(days=35))
        self.assertIsNone(invoices[late.name]["days_overdue"])
        self.assertEqual(invoices[late.name]["residual"], 0.0)
        self.assertIn(invoices[late.name]["payment_state"], ("paid", "in_payment"))
        self.assertEqual(invoices[open_invoice.name]["days_overdue"], 10)
        self.assertIsNone(invoices[open_invoice.name]["days_to_pay"])
        self.assertEqual(invoices[open_invoice.name]["amount"], 400.0)
        self.assertEqual(invoices[open_invoice.name]["due_date"], self.today - relativedelta(days=10))
        self.assertEqual(history["invoices"][0]["name"], open_invoice.name, "newest first")
        self.assertEqual(
            [(r["name"], r["amount"], r["reversal_of"], r["reference"]) for r in history["refunds"]],
            [(refund.name, 150.0, open_invoice.name, "Damaged crates")],
        )
        html = self.account.with_user(self.kam_billing).kam_transaction_history_html
        for text in (late.name, refund.name, "Days to Pay", "Credit Notes", f"/odoo/account.move/{late.id}"):
            self.assertIn(text, html)

    def test_no_invoices_without_invoicing_rights(self):
        """A key account user without invoicing rights (sale's salesman
        reads account.move, but only their own invoices) gets the orders,
        not the invoices nor the credit notes."""
        invoice = self._invoice(self.account, 1000.0, invoice_days_ago=10)
        order = self._order_lines(self.account, [(self.bolt, 1, 10.0)])
        self.assertTrue(self.env["account.move"].with_user(self.kam_user).has_access("read"))
        history = self._history(self.kam_user)
        self.assertFalse(history["show_invoices"])
        self.assertEqual((history["invoices"], history["refunds"]), ([], []))
        html = self.account.with_user(self.kam_user).kam_transaction_history_html
        self.assertIn(order.name, html)
        self.assertNotIn(invoice.name, html)
        self.assertNotIn("Days to Pay", html)
        self.assertIn("shown to users with access to invoicing", html)
        # a read-only accountant reads them
        self.kam_user.groups_id = [Command.link(self.env.ref("account.group_account_readonly").id)]
        self.assertEqual([i["name"] for i in self._history(self.kam_user)["invoices"]], [invoice.name])

    def test_top_products(self):
        """The products of the last 12 months ranked by revenue in company
        currency (an order in another currency converted at its rate), with
        their quantity and number of orders; older orders left out."""
        self._order_lines(self.account, [(self.bolt, 10, 50.0), (self.gear, 1, 300.0)], days_ago=30)
        self._order_lines(self.contact, [(self.bolt, 5, 50.0)], days_ago=60)  # bolt: 750 in 2 orders
        # gear: 300 + 400 KMX (= 800) = 1100
        self._order_lines(self.account, [(self.gear, 2, 200.0)], days_ago=20, pricelist=self.pricelist_other)
        self._order_lines(self.account, [(self.shaft, 1, 9000.0)], days_ago=400)  # too old
        top = self._history(self.kam_user)["top_products"]
        self.assertEqual(
            [(p["product"], p["revenue"], p["quantity"], p["order_count"]) for p in top],
            [("KAM Gear", 1100.0, 3.0, 2), ("KAM Bolt", 750.0, 15.0, 2)],
        )

    def test_access(self):
        """A salesman without the key-account groups, and a key account user
        of another team, may not read the history; on a contact the method
        answers for its account; a partner that is not a key account is
        refused."""
        self._order_lines(self.account, [(self.bolt, 1, 10.0)])
        with self.assertRaisesMessage(AccessError, "Only key account users"):
            self.account.with_user(self.salesman).kam_transaction_history()
        with self.assertRaisesMessage(AccessError, "Acme Key Account"):
            self.account.with_user(self.kam_user2).kam_transaction_history()
        # the form of another team's account opens, with an empty page
        self.assertFalse(self.account.with_user(self.kam_user2).kam_transaction_history_html)
        self.assertEqual(list(self.contact.with_user(self.kam_user).kam_transaction_history()), [self.account.id])
        self.assertFalse(self.contact.with_user(self.kam_user).kam_transaction_history_html)
        prospect = self.env["res.partner"].create({"name": "Plain Prospect Ltd", "is_company": True})
        with self.assertRaisesMessage(UserError, "not key accounts: Plain Prospect Ltd"):
            prospect.with_user(self.kam_manager).kam_transaction_history()
        # a manager reads every account
        self.assertEqual(len(self._history(self.kam_manager)["orders"]), 1)

    def test_form_queries(self):
        """The page costs a fixed number of queries, whatever the number of
        orders, lines and invoices of the account."""
        # kam_billing in the team of both (as cls.account), one order against many
        small = self._make_account("Small Account", manager=self.kam_user)
        small.kam_team_user_ids = [Command.link(self.kam_billing.id)]
        self._order_lines(small, [(self.bolt, 1, 10.0)])
        for n in range(12):
            self._order_lines(self.account, [(self.bolt, 1, 10.0 + n), (self.gear, 1, 5.0), (self.shaft, 2, 1.0)])
        self._invoice(self.account, 100.0, invoice_days_ago=10)
        self._pay(self._invoice(self.account, 200.0, invoice_days_ago=50), days_ago=5)
        self._invoice(small, 100.0, invoice_days_ago=10)

        def read_page(account):
            self.env.flush_all()
            self.env.invalidate_all()
            account.with_user(self.kam_billing).web_read({"kam_transaction_history_html": {}})

        read_page(small)  # warm up the template and the caches
        self.env.invalidate_all()
        count = self.env.cr.sql_log_count
        read_page(small)
        one = self.env.cr.sql_log_count - count
        with self.assertQueryCount(one):
            read_page(self.account)
        self.assertLessEqual(one, 25)

    def test_profile_pdf_section(self):
        """The PDF profile prints the section: orders, invoices and top
        products (render as the profile tests do)."""
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        order = self._order_lines(self.account, [(self.gear, 4, 25.0)])
        invoice = self._invoice(self.account, 321.0, invoice_days_ago=45)
        Report = self.env["ir.actions.report"].with_user(self.kam_billing)
        html = Report._render_qweb_html(REPORT, self.account.ids)[0].decode()
        for text in ("Transaction History", order.name, invoice.name, "KAM Gear", "Top Products"):
            self.assertIn(text, html)
        self.assertNotIn("/odoo/sale.order/", html, "no links in the printed profile")
        pdf, report_type = Report.with_context(force_report_rendering=True)._render_qweb_pdf(REPORT, self.account.ids)
        self.assertEqual(report_type, "pdf")
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
        text = text.decode()
        for expected in ("Transaction History", order.name, invoice.name, "KAM Gear"):
            self.assertIn(expected, text)
        # without invoicing rights, the profile prints no invoice
        html = self.env["ir.actions.report"].with_user(self.kam_user)._render_qweb_html(REPORT, self.account.ids)
        self.assertNotIn(invoice.name, html[0].decode())

    def test_page_escapes_names(self):
        """Names typed by users (products, contacts) are shown as text on the
        page, never as markup."""
        odd = self.env["product.product"].create(
            {"name": "<img src=x onerror=alert(1)> Gasket & Seal", "type": "consu"}
        )
        self.contact.name = "<script>alert(2)</script> Buyer"
        order = self._order_lines(self.contact, [(odd, 1, 10.0)])
        html = self.account.with_user(self.kam_user).kam_transaction_history_html
        self.assertIn(f'<a href="/odoo/sale.order/{order.id}">{order.name}</a>', html)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt; Gasket &amp; Seal", html)
        self.assertIn("&lt;script&gt;alert(2)&lt;/script&gt; Buyer", html)
        self.assertNotIn("<img", html)
        self.assertNotIn("<script", html)
