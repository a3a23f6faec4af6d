# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import random
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

#: products of the demo sales: Odoo's demo office furniture whose cost is below its price (products
#: 5, 6 and 12 cost more than they sell for: every demo account would show a loss)
DEMO_PRODUCTS = [
    "product.product_product_4",
    "product.product_product_3",
    "product.product_product_20",
    "product.product_product_8",
    "product.product_product_9",
    "product.product_product_10",
    "product.product_product_27",
    "product.product_product_13",
]


class KamDemo(models.AbstractModel):
    """Builds the demo sales history: two years of orders for the demo key
    accounts, in two currencies, some placed by contacts, some cancelled.
    Only called from demo/sale_order_demo.xml."""

    _name = "kam.demo"
    _description = "Key account demo data"

    @api.model
    def _generate_demo_sales(self, params):
        """:param params: {xmlid suffix: {"scale": float, "growth": float, "cny": bool}}"""
        rng = random.Random(20261123)
        today = fields.Date.context_today(self)
        products = [p for p in (self.env.ref(x, raise_if_not_found=False) for x in DEMO_PRODUCTS) if p]
        cny_pricelist = self.env.ref("key_account_management.kam_pricelist_cny_demo")
        company = self.env.company
        usd = company.currency_id
        vals_list, dates, cancel = [], [], []
        accounts = self.env["res.partner"]
        for xid, param in params.items():
            account = self.env.ref(f"key_account_management.kam_partner_{xid}_demo")
            accounts |= account
            contacts = account.child_ids
            base_value = 12000.0 * param["scale"]
            for months_back in range(24):
                # the trailing 12 months are ~"growth" times the 12 before
                factor = param["growth"] ** ((11.5 - months_back) / 12.0)
                count = (1 + (param["scale"] > 1)) + (rng.random() < 0.3) - (rng.random() < 0.15)
                for __ in range(max(count, 0)):
                    day = today - relativedelta(months=months_back, days=rng.randint(0, 27))
                    when = datetime.combine(day, time(rng.randint(1, 9), rng.randint(0, 59)))
                    amount = base_value * factor * rng.uniform(0.7, 1.3)
                    currency = cny_pricelist.currency_id if param["cny"] else usd
                    lines = []
                    chosen = rng.sample(products, k=min(len(products), rng.randint(1, 3)))
                    for product in chosen:
                        price = usd._convert(product.list_price or 100.0, currency, company, day)
                        qty = max(1, round(amount / len(chosen) / (product.list_price or 100.0)))
                        lines.append(
                            fields.Command.create(
                                {"product_id": product.id, "product_uom_qty": qty, "price_unit": price}
                            )
                        )
                    partner = contacts[rng.randrange(len(contacts))] if contacts and rng.random() < 0.35 else account
                    vals = {"partner_id": partner.id, "order_line": lines, "date_order": when}
                    if param["cny"]:
                        vals["pricelist_id"] = cny_pricelist.id
                    vals_list.append(vals)
                    dates.append(when)
                    cancel.append(rng.random() < 0.06)
        orders = self.env["sale.order"].create(vals_list)
        # demo data of this module like the records of the demo files: with
        # an external id, uninstalling the module removes them (and then the
        # demo partners they would keep)
        self.env["ir.model.data"]._update_xmlids(
            [
                {"xml_id": f"key_account_management.kam_sale_order_{index}_demo", "record": order, "noupdate": True}
                for index, order in enumerate(orders, 1)
            ]
        )
        to_confirm = orders.filtered(lambda o: not cancel[orders.ids.index(o.id)])
        to_confirm.action_confirm()
        for order, when, cancelled in zip(orders, dates, cancel, strict=True):
            if cancelled:
                order._action_cancel()
            order.date_order = when
        accounts.sudo()._kam_recompute()
        return True
