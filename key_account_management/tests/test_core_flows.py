# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Core flows of users without the addon's groups: what Odoo's own tests of
sale, crm and account do (make test-core), in small."""

from odoo.tests import new_test_user, tagged

from .common import KamCommon


@tagged("post_install", "-at_install")
class TestCoreFlowsWithoutKamGroup(KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sale_manager = new_test_user(
            cls.env, "kam_core_sale_manager", groups="sales_team.group_sale_manager", name="Plain Sales Manager"
        )
        cls.order = cls._order(cls.account, 500)
        cls.order.user_id = cls.salesman
        cls.lead = cls.env["crm.lead"].create(
            {"name": "Acme deal", "type": "opportunity", "partner_id": cls.account.id, "user_id": cls.salesman.id}
        )
        cls.env["kam.interaction"].create(
            [
                {
                    "partner_id": cls.account.id,
                    "name": "Order call",
                    "channel": "phone",
                    "sale_order_id": cls.order.id,
                },
                {"partner_id": cls.account.id, "name": "Lead call", "channel": "phone", "lead_id": cls.lead.id},
            ]
        )

    def test_read_all_fields_of_orders_and_leads(self):
        """read() without field list (integrations, exports, Odoo's tests)
        works for salesmen and sales managers, who cannot read kam.interaction."""
        for user in (self.salesman, self.sale_manager):
            for record in (self.order, self.lead):
                with self.subTest(user=user.login, model=record._name):
                    record.invalidate_recordset()
                    values = record.with_user(user).read()[0]
                    self.assertEqual(values["id"], record.id)
                    self.assertNotIn("kam_interaction_ids", values)
                    self.assertNotIn("kam_interaction_count", values)

    def test_key_account_user_still_sees_interactions(self):
        # the groups= added above must not hide the interactions from the
        # users they are meant for
        self.order.user_id = self.kam_user
        self.lead.user_id = self.kam_user
        for record in (self.order, self.lead):
            values = record.with_user(self.kam_user).read(["kam_interaction_ids", "kam_interaction_count"])[0]
            self.assertEqual(values["kam_interaction_count"], 1)
            self.assertEqual(len(values["kam_interaction_ids"]), 1)
