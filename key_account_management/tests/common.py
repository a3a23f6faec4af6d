# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import importlib.util
from contextlib import contextmanager
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import new_test_user
from odoo.tools.misc import file_path

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.sale.tests.common import SaleCommon


def load_migration(version, step="post-migrate"):
    """The module of the addon's migration script ``version/step.py``, to
    call its ``migrate(cr, version)`` in a test."""
    name = f"kam_migration_{version.replace('.', '_')}_{step.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(
        name, file_path(f"key_account_management/migrations/{version}/{step}.py")
    )
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


class KamCommon(SaleCommon):
    """Key-account tests on Odoo's sale test base.

    From ``SaleCommon`` (``ProductCommon``, ``SalesTeamCommon``, ``BaseCommon``):
    the company in USD (``company``, ``currency``), the product sold (``product``,
    consumable, no taxes) and the company-currency pricelist (``pricelist``; the
    other pricelists archived), a sales team. Built here: the key-account users,
    test tiers, a second currency with a known rate, key accounts and orders;
    no reliance on demo data.
    """

    @classmethod
    def default_env_context(cls):
        # BaseCommon disables tracking and chatter logging by default; the
        # addon posts tier changes, risk notes and activities in the chatter,
        # which the tests read.
        return {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One time zone for the whole test, so that "today" is the same day
        # for the test and for the code whatever the hour the tests run at
        # (the demo users are in Europe/Brussels: between 23:00 and 24:00 UTC
        # their today is already tomorrow).
        cls.env.user.tz = "UTC"
        cls.usd = cls.currency  # BaseCommon: the company currency, USD
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        # A second currency: 1 company-currency unit = 0.5 of it (a made-up
        # one, so that no rate of a real currency interferes).
        cls.other_currency = cls.env["res.currency"].create({"name": "KMX", "symbol": "K$", "rounding": 0.01})
        cls.env["res.currency.rate"].create(
            {
                "currency_id": cls.other_currency.id,
                "name": cls.today - relativedelta(years=5),
                "rate": 0.5,
                "company_id": cls.company.id,
            }
        )
        cls.pricelist_other = cls.env["product.pricelist"].create(
            {"name": "KAM other currency", "currency_id": cls.other_currency.id}
        )
        cls.pricelist_company = cls.pricelist  # ProductCommon: in the company currency

        cls.salesman = new_test_user(
            cls.env, "kam_salesman", groups="sales_team.group_sale_salesman", name="Plain Salesman"
        )
        cls.kam_user = new_test_user(
            cls.env, "kam_user", groups="key_account_management.group_kam_user", name="KAM User"
        )
        cls.kam_user2 = new_test_user(
            cls.env, "kam_user2", groups="key_account_management.group_kam_user", name="KAM User Two"
        )
        cls.kam_manager = new_test_user(
            cls.env, "kam_manager", groups="key_account_management.group_kam_manager", name="KAM Manager"
        )

        # Test tiers replace the default ones: A > B > C.
        cls.env["kam.tier"].search([]).active = False
        Tier = cls.env["kam.tier"]
        cls.tier_a = Tier.create({"name": "Tier A", "sequence": 1, "min_revenue": 10000, "min_order_count": 3})
        cls.tier_b = Tier.create({"name": "Tier B", "sequence": 2, "min_revenue": 1000, "min_order_count": 2})
        cls.tier_c = Tier.create({"name": "Tier C", "sequence": 3, "min_revenue": 1, "min_order_count": 1})

        # cls.product (ProductCommon): the consumable sold in the test orders,
        # without taxes (SaleCommon)
        cls.account = cls._make_account("Acme Key Account", manager=cls.kam_user)
        cls.contact = cls.env["res.partner"].create({"name": "Acme Buyer", "parent_id": cls.account.id})
        cls.other_account = cls._make_account("Other Key Account", manager=cls.kam_user2)

    @contextmanager
    def assertRaisesMessage(self, exception, regex):
        """assertRaises (which rolls back to a savepoint, unlike
        assertRaisesRegex) plus a check of the message the user reads."""
        with self.assertRaises(exception) as catcher:
            yield catcher
        self.assertRegex(str(catcher.exception), regex)

    @classmethod
    def _make_account(cls, name, manager=None, **vals):
        # no first tier at creation: the tests give their accounts orders, then run the jobs
        # (tests/test_pipeline.py tests the first tier)
        return (
            cls.env["res.partner"]
            .with_context(kam_no_first_tier=True)
            .create(
                dict(
                    {
                        "name": name,
                        "is_company": True,
                        "kam_is_key_account": True,
                        "kam_manager_id": manager.id if manager else False,
                    },
                    **vals,
                )
            )
            .with_env(cls.env)
        )

    @classmethod
    def _order(cls, partner, amount, days_ago=10, pricelist=None, confirm=True, when=None):
        """A confirmed order of ``amount`` (untaxed, in the pricelist's
        currency) placed ``days_ago`` days ago."""
        pricelist = pricelist or cls.pricelist_company
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "pricelist_id": pricelist.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        if confirm:
            order.action_confirm()
        order.date_order = when or datetime.combine(cls.today - relativedelta(days=days_ago), time(12, 0))
        return order


class KamInvoicingCommon(AccountTestInvoicingCommon, KamCommon):
    """Key-account tests that post invoices and register payments, on Odoo's
    invoicing test base (as core's ``TestSaleOrderInvoicing(AccountTestInvoicingCommon,
    SaleCommon)``): a company of its own with a chart of accounts, its journals,
    accounts and taxes (``company_data``).

    The tests set up as the superuser, as every KamCommon test does, not as
    AccountTestInvoicingCommon's accounting user: the jobs run as the
    scheduler's user over every key account of the database, and what each
    role may do is tested with ``with_user``.
    """

    @classmethod
    def setup_independent_user(cls):
        return None

    @classmethod
    def _pay(cls, invoice, days_ago):
        """Register the payment of ``invoice`` made ``days_ago`` days ago."""
        cls.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"payment_date": cls.today - relativedelta(days=days_ago)}
        )._create_payments()
