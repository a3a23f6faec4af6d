# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from ..models.kam_input import latest_today
from .common import KamCommon


@tagged("post_install", "-at_install")
class TestPreference(KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["kam.preference.category"]
        cls.cat_docs = Category.create({"name": "Test Documents"})
        cls.cat_price = Category.create({"name": "Test Price", "confidential": True})
        cls.parent_categ = cls.env["product.category"].create({"name": "KAM Metals"})
        cls.child_categ = cls.env["product.category"].create({"name": "KAM Steel", "parent_id": cls.parent_categ.id})
        cls.other_categ = cls.env["product.category"].create({"name": "KAM Plastics"})
        cls.steel = cls.env["product.product"].create(
            {"name": "KAM Steel Bar", "categ_id": cls.child_categ.id, "list_price": 10.0}
        )
        cls.other_product = cls.env["product.product"].create({"name": "KAM Gadget", "list_price": 5.0})
        Pref = cls.env["kam.preference"].with_user(cls.kam_user)
        cls.pref_general = Pref.create(
            {
                "partner_id": cls.account.id,
                "category_id": cls.cat_docs.id,
                "importance": "important",
                "description": "Invoice in two copies",
            }
        )
        cls.pref_product = Pref.create(
            {
                "partner_id": cls.account.id,
                "category_id": cls.cat_docs.id,
                "importance": "info",
                "product_id": cls.product.id,
                "description": "Widgets in blue boxes",
            }
        )
        cls.pref_other_product = Pref.create(
            {
                "partner_id": cls.account.id,
                "category_id": cls.cat_docs.id,
                "importance": "info",
                "product_id": cls.other_product.id,
                "description": "Gadgets wrapped one by one",
            }
        )
        cls.pref_metal = Pref.create(
            {
                "partner_id": cls.account.id,
                "category_id": cls.cat_docs.id,
                "importance": "critical",
                "product_category_id": cls.parent_categ.id,
                "description": "Material certificate in every box",
            }
        )
        cls.pref_plastics = Pref.create(
            {
                "partner_id": cls.account.id,
                "category_id": cls.cat_docs.id,
                "importance": "critical",
                "product_category_id": cls.other_categ.id,
                "description": "No recycled plastics",
            }
        )
        cls.pref_other_account = (
            cls.env["kam.preference"]
            .with_user(cls.kam_user2)
            .create(
                {
                    "partner_id": cls.other_account.id,
                    "category_id": cls.cat_docs.id,
                    "description": "Other's preference",
                }
            )
        )

    def _quote(self, user, partner, products):
        return (
            self.env["sale.order"]
            .with_user(user)
            .create(
                {
                    "partner_id": partner.id,
                    "order_line": [Command.create({"product_id": p.id, "product_uom_qty": 1}) for p in products],
                }
            )
        )

    def _confidential_critical(self):
        return (
            self.env["kam.preference"]
            .with_user(self.kam_user)
            .create(
                {
                    "partner_id": self.account.id,
                    "category_id": self.cat_price.id,
                    "importance": "critical",
                    "description": "Never quote above last year's price",
                }
            )
        )

    # ------------------------------------------------------------------
    # Sale order notice and acknowledgement
    # ------------------------------------------------------------------
    def test_salesman_quote_shows_applicable_preferences(self):
        order = self._quote(self.salesman, self.contact, self.product)
        self.assertEqual(order.kam_preference_ids, self.pref_general | self.pref_product)
        self.assertFalse(order.kam_preference_ack_required, "no critical preference for this product")
        # a steel bar brings the critical preference of its parent category, listed first
        order.write({"order_line": [Command.create({"product_id": self.steel.id, "product_uom_qty": 1})]})
        self.assertEqual(order.kam_preference_ids[0], self.pref_metal)
        self.assertEqual(order.kam_preference_ids, self.pref_metal | self.pref_general | self.pref_product)
        self.assertNotIn(self.pref_other_product, order.kam_preference_ids)
        self.assertNotIn(self.pref_plastics, order.kam_preference_ids)
        self.assertTrue(order.kam_preference_ack_required)
        # archived preferences do not show
        self.pref_product.with_user(self.kam_user).active = False
        order.invalidate_recordset(["kam_preference_ids"])
        self.assertNotIn(self.pref_product, order.kam_preference_ids)

    def test_critical_blocks_confirmation_until_acknowledged(self):
        order = self._quote(self.salesman, self.contact, self.steel)
        with self.assertRaisesMessage(UserError, r"(?s)critical preferences.*Material certificate in every box"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        order.action_kam_acknowledge_preferences()
        self.assertEqual(order.kam_preference_ack_user_id, self.salesman)
        self.assertTrue(order.kam_preference_ack_date)
        self.assertFalse(order.kam_preference_ack_required)
        # the order's chatter is read by everyone who reads the order (accountants too): a count, no text
        self.assertIn("1 critical customer preference(s) acknowledged", order.message_ids[0].body)
        self.assertNotIn("Material certificate", order.message_ids[0].body)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_ack_resets_when_products_or_customer_change(self):
        order = self._quote(self.salesman, self.contact, self.steel)
        order.action_kam_acknowledge_preferences()
        # quantities change: the acknowledgement stays
        order.order_line.product_uom_qty = 5
        self.assertEqual(order.kam_preference_ack_user_id, self.salesman)
        # a product is added: acknowledge again (a new critical preference may apply)
        plastic = self.env["product.product"].create({"name": "KAM Bucket", "categ_id": self.other_categ.id})
        order.write({"order_line": [Command.create({"product_id": plastic.id, "product_uom_qty": 1})]})
        self.assertFalse(order.kam_preference_ack_user_id)
        self.assertIn(self.pref_plastics, order.kam_preference_ids)
        with self.assertRaisesMessage(UserError, "No recycled plastics"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        order.action_kam_acknowledge_preferences()
        # a product is changed, then a line removed: reset each time
        order.order_line[1].product_id = self.product
        self.assertFalse(order.kam_preference_ack_user_id)
        order.action_kam_acknowledge_preferences()
        order.order_line[1].unlink()
        self.assertFalse(order.kam_preference_ack_user_id)
        order.action_kam_acknowledge_preferences()
        # another contact of the same account: stays; another customer: reset
        colleague = self.env["res.partner"].create({"name": "Acme Colleague", "parent_id": self.account.id})
        order.partner_id = colleague
        self.assertEqual(order.kam_preference_ack_user_id, self.salesman)
        order.partner_id = self.env["res.partner"].create({"name": "Walk-in Customer"})
        self.assertFalse(order.kam_preference_ack_user_id)
        self.assertFalse(order.kam_preference_ids)
        order.action_confirm()  # no key account, no preference: nothing to acknowledge
        self.assertEqual(order.state, "sale")

    def test_confidential_critical_acknowledged_by_account_manager(self):
        confidential = self._confidential_critical()
        order = self._quote(self.salesman, self.contact, self.product)
        # the salesman does not see it but learns that it exists
        self.assertNotIn(confidential.id, order.kam_preference_ids.ids)
        self.assertEqual(order.kam_preference_hidden_critical_count, 1)
        self.assertTrue(order.kam_preference_ack_required)
        with self.assertRaisesMessage(UserError, r"confidential critical preference.*KAM User"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        with self.assertRaisesMessage(UserError, r"cannot read them\. Ask the key account manager \(KAM User\)"):
            order.action_kam_acknowledge_preferences()
        self.assertFalse(order.kam_preference_ack_user_id)
        # another key account user (not in the account team) cannot either, not even open the order
        with self.assertRaises(AccessError):
            order.with_user(self.kam_user2).action_kam_acknowledge_preferences()
        # the account's manager sees it on the order and acknowledges
        order_kam = order.with_user(self.kam_user)
        self.assertIn(confidential, order_kam.kam_preference_ids)
        self.assertEqual(order_kam.kam_preference_hidden_critical_count, 0)
        order_kam.action_kam_acknowledge_preferences()
        self.assertEqual(order.kam_preference_ack_user_id, self.kam_user)
        # the chatter note, read by everyone on the order, does not give the confidential text away
        note = order.message_ids[0].body
        self.assertIn("1 critical customer preference(s) acknowledged", note)
        self.assertNotIn("last year", note)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_sale_order_form_notice(self):
        with Form(self.env["sale.order"].with_user(self.salesman)) as form:
            form.partner_id = self.contact
            self.assertFalse(form.kam_preference_ack_required)
            self.assertEqual(len(form.kam_preference_ids), 1)  # general only
            with form.order_line.new() as line:
                line.product_id = self.steel
            self.assertEqual(len(form.kam_preference_ids), 2)
            self.assertIn("Material certificate in every box", [pref.description for pref in form.kam_preference_ids])
            self.assertTrue(form.kam_preference_ack_required)
        order = form.record
        self.assertEqual(order.kam_preference_ids, self.pref_metal | self.pref_general)

    def test_one_search_for_all_orders(self):
        """The notice costs the same number of queries for 1 order or 6 with
        several lines each: one search per batch, not per order or line."""

        def queries(orders):
            orders = orders.with_user(self.salesman)
            self.env.invalidate_all()
            orders.mapped("order_line.product_id.categ_id.parent_path")
            orders.mapped("partner_id.commercial_partner_id.kam_is_key_account")
            before = self.cr.sql_log_count
            orders.mapped("kam_preference_ids.description")
            return self.cr.sql_log_count - before

        products = self.product | self.steel | self.other_product
        orders = self._quote(self.salesman, self.contact, products)
        queries(orders)  # warm the rule caches
        one = queries(orders)
        for __ in range(5):
            orders |= self._quote(self.salesman, self.contact, products)
        self.assertEqual(queries(orders), one)
        self.assertEqual(orders[5].with_user(self.salesman).kam_preference_ids.ids, orders[0].kam_preference_ids.ids)

    # ------------------------------------------------------------------
    # Stale preferences
    # ------------------------------------------------------------------
    def test_stale_filter(self):
        self.company.kam_preference_stale_months = 6
        Pref = self.env["kam.preference"].with_user(self.kam_user)
        with freeze_time("2025-06-15"):
            old = Pref.create(
                {
                    "partner_id": self.account.id,
                    "category_id": self.cat_docs.id,
                    "description": "Old habit",
                    "last_verified_date": date(2024, 12, 1),
                }
            )
            recent = Pref.create(
                {
                    "partner_id": self.account.id,
                    "category_id": self.cat_docs.id,
                    "description": "Fresh need",
                    "last_verified_date": date(2025, 1, 1),
                }
            )
            never = Pref.create(
                {
                    "partner_id": self.account.id,
                    "category_id": self.cat_docs.id,
                    "description": "Never checked",
                    "last_verified_date": False,
                }
            )
            self.assertEqual(recent.verified_by_id, self.kam_user)
            stale = Pref.search([("is_stale", "=", True)])
            self.assertIn(old, stale)
            self.assertIn(never, stale)
            self.assertNotIn(recent, stale)
            self.assertIn(recent, Pref.search([("is_stale", "=", False)]))
            self.assertNotIn(old, Pref.search([("is_stale", "!=", True)]))
            self.assertEqual((old | recent | never).mapped("is_stale"), [True, False, True])
            # a shorter review period makes the recent one stale too
            self.company.kam_preference_stale_months = 3
            recent.invalidate_recordset(["is_stale"])
            self.assertTrue(recent.is_stale)
            self.assertIn(recent, Pref.search([("is_stale", "=", True)]))
            # verified today: fresh again
            old.action_mark_verified()
            self.assertEqual(old.last_verified_date, date(2025, 6, 15))
            self.assertEqual(old.verified_by_id, self.kam_user)
            self.assertNotIn(old, Pref.search([("is_stale", "=", True)]))
        with self.assertRaises(ValidationError):
            self.company.kam_preference_stale_months = 0

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------
    def test_access_salesman(self):
        confidential = self._confidential_critical()
        Pref = self.env["kam.preference"].with_user(self.salesman)
        # reads the non-confidential ones (the sale order notice), never the confidential ones
        self.assertEqual(self.pref_general.with_user(self.salesman).description, "Invoice in two copies")
        with self.assertRaises(AccessError):
            confidential.with_user(self.salesman).read(["description"])
        self.assertNotIn(confidential, Pref.search([("partner_id", "=", self.account.id)]))
        with self.assertRaises(AccessError):
            Pref.create({"partner_id": self.account.id, "category_id": self.cat_docs.id, "description": "x"})
        with self.assertRaises(AccessError):
            self.pref_general.with_user(self.salesman).write({"description": "changed"})
        with self.assertRaises(AccessError):
            self.pref_general.with_user(self.salesman).unlink()
        self.assertEqual(self.pref_general.description, "Invoice in two copies")
        # categories: read for all employees, configured by managers
        self.assertTrue(self.cat_price.with_user(self.salesman).name)
        with self.assertRaises(AccessError):
            self.env["kam.preference.category"].with_user(self.salesman).create({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.cat_docs.with_user(self.kam_user).write({"confidential": True})
        self.cat_docs.with_user(self.kam_manager).write({"sequence": 3})

    def test_access_key_account_users(self):
        confidential_other = (
            self.env["kam.preference"]
            .with_user(self.kam_user2)
            .create({"partner_id": self.other_account.id, "category_id": self.cat_price.id, "description": "Secret"})
        )
        # kam_user: not on other_account's team
        with self.assertRaises(AccessError):
            confidential_other.with_user(self.kam_user).read(["description"])
        with self.assertRaises(AccessError):
            self.pref_other_account.with_user(self.kam_user).write({"description": "mine now"})
        with self.assertRaises(AccessError):
            self.pref_other_account.with_user(self.kam_user).unlink()
        with self.assertRaises(AccessError):
            self.env["kam.preference"].with_user(self.kam_user).create(
                {"partner_id": self.other_account.id, "category_id": self.cat_docs.id, "description": "x"}
            )
        self.assertEqual(self.pref_other_account.description, "Other's preference")
        # in the team: full access, confidential included
        self.other_account.with_user(self.kam_user2).kam_team_user_ids = [Command.link(self.kam_user.id)]
        confidential_other.with_user(self.kam_user).write({"description": "Secret, updated"})
        self.assertEqual(confidential_other.description, "Secret, updated")
        # key account managers: all accounts
        mine = self.env["kam.preference"].with_user(self.kam_manager)
        self.assertIn(confidential_other, mine.search([("confidential", "=", True)]))
        self.pref_other_account.with_user(self.kam_manager).write({"importance": "critical"})
        self.assertEqual(self.pref_other_account.importance, "critical")

    def test_partner_smart_button(self):
        self.assertEqual(self.account.with_user(self.kam_user).kam_preference_count, 5)
        self._confidential_critical()
        self.assertEqual(self.account.with_user(self.kam_user).kam_preference_count, 6)
        self.assertEqual(self.contact.with_user(self.salesman).kam_preference_count, 5, "confidential one hidden")
        action = self.contact.with_user(self.salesman).action_kam_view_preferences()
        self.assertEqual(action["domain"], [("partner_id", "=", self.account.id)])

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------
    def test_bad_input_refused(self):
        Pref = self.env["kam.preference"].with_user(self.kam_user)
        base = {"partner_id": self.account.id, "category_id": self.cat_docs.id, "description": "Bad one"}
        with self.assertRaisesMessage(ValidationError, "either to a product or to a product category"):
            Pref.create(dict(base, product_id=self.product.id, product_category_id=self.parent_categ.id))
        with self.assertRaisesMessage(ValidationError, "description cannot be empty"):
            Pref.create(dict(base, description="   "))
        with self.assertRaisesMessage(ValidationError, "description cannot be empty"):
            Pref.create({"partner_id": self.account.id, "category_id": self.cat_docs.id})
        with self.assertRaisesMessage(ValidationError, "cannot be verified in the future"):
            Pref.create(dict(base, last_verified_date=latest_today() + relativedelta(days=1)))
        plain = self.env["res.partner"].create({"name": "Not a key account", "is_company": True})
        with self.assertRaisesMessage(ValidationError, "is not a key account"):
            Pref.create(dict(base, partner_id=plain.id))
        self.assertFalse(Pref.search([("description", "=", "Bad one")]))
        # the same through write (RPC)
        with self.assertRaisesMessage(ValidationError, "either to a product or to a product category"):
            self.pref_product.write({"product_category_id": self.parent_categ.id})
        with self.assertRaisesMessage(ValidationError, "description cannot be empty"):
            self.pref_product.with_user(self.kam_user).write({"description": ""})
        with self.assertRaisesMessage(ValidationError, "cannot be verified in the future"):
            self.pref_product.write({"last_verified_date": self.today + relativedelta(days=30)})
        self.pref_product.invalidate_recordset()
        self.assertFalse(self.pref_product.product_category_id)
        self.assertEqual(self.pref_product.description, "Widgets in blue boxes")
        # a contact given as account: recorded on its company
        pref = Pref.create(dict(base, partner_id=self.contact.id, description="Via contact"))
        self.assertEqual(pref.partner_id, self.account)

    def test_import_refuses_bad_rows(self):
        Pref = self.env["kam.preference"].with_user(self.kam_user)
        result = Pref.load(
            ["partner_id/.id", "category_id/.id", "description", "product_id/.id", "product_category_id/.id"],
            [
                [
                    str(self.account.id),
                    str(self.cat_docs.id),
                    "Imported",
                    str(self.product.id),
                    str(self.parent_categ.id),
                ]
            ],
        )
        self.assertFalse(result["ids"])
        self.assertIn("either to a product", result["messages"][0]["message"])
