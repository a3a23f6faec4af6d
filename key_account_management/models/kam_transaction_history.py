# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

#: what the history shows of each account
ORDER_LIMIT = 10  # last confirmed orders
ORDER_MONTHS = 24  # ... of the last 24 months (the horizon of the PDF profile's sales trend)
LINE_LIMIT = 10  # lines shown per order (the others are counted)
INVOICE_LIMIT = 10  # last posted invoices, and as many credit notes
TOP_PRODUCT_LIMIT = 10
TOP_PRODUCT_MONTHS = 12
#: who reads invoices and credit notes: billing users and read-only accountants
#: (sale's salesman reads account.move too, but only the invoices they sell)
INVOICE_GROUPS = ("account.group_account_invoice", "account.group_account_readonly")


class KamTransactionHistory(models.AbstractModel):
    """The transaction history of key accounts, read live: the last
    confirmed orders with their lines, the last invoices with their payment
    state and days to pay, the last credit notes, the products bought most.

    Each part is one query for all the asked accounts (a ``LATERAL`` limited
    per account over indexed columns, or one ``GROUP BY``), whatever their
    number and the size of their history. Orders and invoices placed by
    contacts count for their commercial partner. Only documents of the
    user's companies are read (``env.companies``), and of the account's
    company when it has one (``kam.account.figures._company_filter``).

    Amounts are in the company currency of each document: orders and their
    lines at the order's rate (``kam.account.figures._order_amount_sql``),
    invoices ``amount_total_signed`` / ``amount_residual_signed``; the top
    products are summed per company currency, then converted into the
    account's currency at today's rate (``_converter``), as the sale figures.

    The caller checks who may read the accounts (``res.partner.
    kam_transaction_history``); invoices and credit notes are read only for
    users of the invoicing groups (``INVOICE_GROUPS``).
    """

    _name = "kam.transaction.history"
    _description = "Key account transaction history"

    @api.model
    def _may_read_invoices(self):
        """Whether the current user gets the invoices and credit notes."""
        if self.env.su:
            return True
        user = self.env.user
        return any(user.has_group(group) for group in INVOICE_GROUPS) and self.env["account.move"].has_access("read")

    @api.model
    def _history(self, accounts, today=None):
        """{account id: dict(orders, invoices, refunds, top_products,
        show_invoices, currency_id)} of the commercial partners ``accounts``
        (plain data: dates, numbers, names and ids). ``invoices`` and
        ``refunds`` are empty lists when ``show_invoices`` is false."""
        today = today or fields.Date.context_today(self)
        ids = accounts.ids
        Figures = self.env["kam.account.figures"]
        currencies = Figures._partner_currencies(accounts)
        show_invoices = self._may_read_invoices()
        orders = self._last_orders(ids, today)
        invoices = self._last_invoices(ids, today) if show_invoices else {}
        top = self._top_products(ids, today, currencies)
        self._add_names(orders, top)
        return {
            pid: {
                "currency_id": currencies[pid].id,
                "show_invoices": show_invoices,
                "orders": orders.get(pid, []),
                "invoices": invoices.get((pid, "out_invoice"), []),
                "refunds": invoices.get((pid, "out_refund"), []),
                "top_products": top.get(pid, []),
            }
            for pid in ids
        }

    @api.model
    def _last_orders(self, ids, today):
        """{account id: [order dict, newest first]}: the ``ORDER_LIMIT`` last
        confirmed orders of each account of the last ``ORDER_MONTHS`` months, each with its first ``LINE_LIMIT``
        lines (sections and notes left out) and the number of the others."""
        Figures = self.env["kam.account.figures"]
        Figures._flush_orders(["name"])
        self.env["res.partner"].flush_model(["name"])
        self.env["sale.order.line"].flush_model(
            ["order_id", "product_id", "product_uom_qty", "product_uom", "price_subtotal", "display_type", "sequence"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT a.pid, o.id, o.name, o.date_order, o.amount, o.currency_id, o.partner_id, o.partner_name
                  FROM unnest(%(ids)s::int[]) AS a(pid)
                 CROSS JOIN LATERAL (
                        SELECT so.id, so.name, so.date_order, %(amount)s AS amount, c.currency_id,
                               so.partner_id, p.name AS partner_name
                          FROM res_partner p
                          JOIN sale_order so ON so.partner_id = p.id
                          JOIN res_company c ON c.id = so.company_id
                         WHERE p.commercial_partner_id = a.pid
                           AND so.state = 'sale'
                           AND so.date_order >= %(start)s
                           AND so.company_id = ANY(%(companies)s)
                           %(company_filter)s
                      ORDER BY so.date_order DESC, so.id DESC
                         LIMIT %(limit)s
                       ) AS o
                """,
                ids=ids,
                start=Figures._window(ORDER_MONTHS, today)[1],
                amount=Figures._order_amount_sql(),
                companies=self.env.companies.ids,
                company_filter=Figures._company_filter(),
                limit=ORDER_LIMIT,
            )
        )
        result = defaultdict(list)
        by_id = {}
        rows = self.env.cr.fetchall()
        currencies = {currency.id: currency for currency in self.env["res.currency"].browse({row[5] for row in rows})}
        for pid, oid, name, date, amount, currency_id, partner_id, partner_name in rows:
            by_id[oid] = {
                "id": oid,
                "name": name,
                "date": fields.Datetime.context_timestamp(self, date).date(),
                "amount": currencies[currency_id].round(float(amount or 0.0)),
                "currency_id": currency_id,
                # the contact who ordered, when not the account itself
                "ordered_by": partner_name if partner_id != pid else False,
                "lines": [],
                "more_lines": 0,
            }
            result[pid].append(by_id[oid])
        if not by_id:
            return result
        self.env.cr.execute(
            SQL(
                """
                SELECT l.order_id, l.product_id, l.product_uom, l.qty, l.amount, l.rank, l.total
                  FROM (
                        SELECT sol.order_id, sol.product_id, sol.product_uom, sol.product_uom_qty AS qty,
                               %(amount)s AS amount,
                               ROW_NUMBER() OVER (PARTITION BY sol.order_id ORDER BY sol.sequence, sol.id) AS rank,
                               COUNT(*) OVER (PARTITION BY sol.order_id) AS total
                          FROM sale_order_line sol
                          JOIN sale_order so ON so.id = sol.order_id
                         WHERE sol.order_id = ANY(%(orders)s)
                           AND sol.display_type IS NULL
                       ) AS l
                 WHERE l.rank <= %(limit)s
              ORDER BY l.order_id, l.rank
                """,
                amount=Figures._order_amount_sql("so", "price_subtotal", amount_alias="sol"),
                orders=list(by_id),
                limit=LINE_LIMIT,
            )
        )
        for order_id, product_id, uom_id, qty, amount, __, total in self.env.cr.fetchall():
            order = by_id[order_id]
            order["lines"].append(
                {
                    "product_id": product_id,
                    "uom_id": uom_id,
                    "quantity": qty,
                    "amount": currencies[order["currency_id"]].round(float(amount or 0.0)),
                }
            )
            order["more_lines"] = total - len(order["lines"])
        return result

    @api.model
    def _last_invoices(self, ids, today):
        """{(account id, move type): [move dict, newest first]}: the
        ``INVOICE_LIMIT`` last posted invoices and credit notes of each
        account. A settled invoice has its days to pay (invoice date to the
        last reconciliation of its receivable lines); an open one its days
        overdue (0 before the due date)."""
        self.env["account.move"].flush_model(
            [
                "name",
                "partner_id",
                "move_type",
                "state",
                "company_id",
                "invoice_date",
                "invoice_date_due",
                "amount_total_signed",
                "amount_residual_signed",
                "payment_state",
                "reversed_entry_id",
                "ref",
            ]
        )
        self.env["account.move.line"].flush_model(["move_id", "account_id"])
        self.env["account.account"].flush_model(["account_type"])
        self.env["account.partial.reconcile"].flush_model(["debit_move_id", "max_date"])
        self.env["res.partner"].flush_model(["commercial_partner_id", "company_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT a.pid, t.move_type, m.id, m.name, m.invoice_date, m.invoice_date_due,
                       m.amount_total_signed, m.amount_residual_signed, m.payment_state, m.currency_id,
                       m.ref, rev.name,
                       CASE WHEN t.move_type = 'out_invoice' AND m.amount_residual_signed = 0 THEN (
                            SELECT MAX(apr.max_date)
                              FROM account_move_line aml
                              JOIN account_account aa ON aa.id = aml.account_id
                                                     AND aa.account_type = 'asset_receivable'
                              JOIN account_partial_reconcile apr ON apr.debit_move_id = aml.id
                             WHERE aml.move_id = m.id
                       ) END
                  FROM unnest(%(ids)s::int[]) AS a(pid)
                 CROSS JOIN (VALUES ('out_invoice'), ('out_refund')) AS t(move_type)
                 CROSS JOIN LATERAL (
                        SELECT am.id, am.name, am.invoice_date, am.invoice_date_due, am.amount_total_signed,
                               am.amount_residual_signed, am.payment_state, c.currency_id, am.ref,
                               am.reversed_entry_id
                          FROM res_partner p
                          JOIN account_move am ON am.partner_id = p.id
                          JOIN res_company c ON c.id = am.company_id
                         WHERE p.commercial_partner_id = a.pid
                           AND am.move_type = t.move_type
                           AND am.state = 'posted'
                           AND am.company_id = ANY(%(companies)s)
                           %(company_filter)s
                      ORDER BY am.invoice_date DESC NULLS LAST, am.id DESC
                         LIMIT %(limit)s
                       ) AS m
             LEFT JOIN account_move rev ON rev.id = m.reversed_entry_id
              ORDER BY a.pid, t.move_type, m.invoice_date DESC NULLS LAST, m.id DESC
                """,
                ids=ids,
                companies=self.env.companies.ids,
                company_filter=self.env["kam.account.figures"]._company_filter("am.company_id"),
                limit=INVOICE_LIMIT,
            )
        )
        rows = self.env.cr.fetchall()  # before reading anything else with the cursor
        states = dict(self.env["account.move"]._fields["payment_state"]._description_selection(self.env))
        result = defaultdict(list)
        for row in rows:
            pid, move_type, mid, name, date, due, total, residual, state, currency_id, ref, reversed_name, paid = row
            sign = -1 if move_type == "out_refund" else 1  # credit notes shown as positive amounts
            move = {
                "id": mid,
                "name": name,
                "date": date,
                "due_date": due,
                "amount": sign * float(total or 0.0),
                "residual": sign * float(residual or 0.0),
                "currency_id": currency_id,
                "payment_state": state,
                "payment_state_label": states.get(state, state or ""),
                "reference": ref or False,
            }
            if move_type == "out_refund":
                move["reversal_of"] = reversed_name or False
            else:
                move["paid_date"] = paid or False
                move["days_to_pay"] = (paid - date).days if paid and date else None
                move["days_overdue"] = max((today - due).days, 0) if residual and due else None
            result[pid, move_type].append(move)
        return result

    @api.model
    def _top_products(self, ids, today, currencies):
        """{account id: [product dict, by revenue]}: the ``TOP_PRODUCT_LIMIT``
        products of the confirmed orders of the last ``TOP_PRODUCT_MONTHS``
        months with the most revenue (untaxed, in the account's currency),
        their quantity in the product's unit and their number of orders;
        down payments left out."""
        Figures = self.env["kam.account.figures"]
        Figures._flush_orders()
        self.env["sale.order.line"].flush_model(
            ["order_id", "product_id", "product_uom_qty", "product_uom", "price_subtotal", "display_type"]
        )
        __, start, end = Figures._window(TOP_PRODUCT_MONTHS, today)
        self.env.cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id, c.currency_id, sol.product_id, pt.uom_id,
                       SUM(%(amount)s),
                       SUM(%(qty)s),
                       COUNT(DISTINCT so.id)
                  FROM res_partner p
                  JOIN sale_order so ON so.partner_id = p.id
                  JOIN res_company c ON c.id = so.company_id
                  JOIN sale_order_line sol ON sol.order_id = so.id
                  JOIN product_product pp ON pp.id = sol.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
             LEFT JOIN uom_uom u ON u.id = sol.product_uom
             LEFT JOIN uom_uom u2 ON u2.id = pt.uom_id
                 WHERE p.commercial_partner_id = ANY(%(ids)s)
                   AND so.state = 'sale'
                   AND so.date_order >= %(start)s
                   AND so.date_order < %(end)s
                   AND so.company_id = ANY(%(companies)s)
                   AND sol.display_type IS NULL
                   AND sol.is_downpayment IS NOT TRUE
                   %(company_filter)s
              GROUP BY p.commercial_partner_id, c.currency_id, sol.product_id, pt.uom_id
                """,
                amount=Figures._order_amount_sql("so", "price_subtotal", amount_alias="sol"),
                qty=Figures._line_product_qty_sql("sol", "u", "u2"),
                ids=ids,
                start=start,
                end=end,
                companies=self.env.companies.ids,
                company_filter=Figures._company_filter(),
            )
        )
        convert = Figures._converter(today)
        products = defaultdict(dict)
        for pid, currency_id, product_id, uom_id, amount, qty, count in self.env.cr.fetchall():
            product = products[pid].setdefault(
                product_id,
                {"product_id": product_id, "uom_id": uom_id, "quantity": 0.0, "revenue": 0.0, "order_count": 0},
            )
            product["revenue"] += convert(float(amount or 0.0), currency_id, currencies[pid])
            product["quantity"] += float(qty or 0.0)
            product["order_count"] += count
        result = {}
        for pid, by_product in products.items():
            currency = currencies[pid]
            ranked = sorted(by_product.values(), key=lambda p: (-p["revenue"], p["product_id"]))[:TOP_PRODUCT_LIMIT]
            for product in ranked:
                product["revenue"] = currency.round(product["revenue"])
            result[pid] = ranked
        return result

    @api.model
    def _add_names(self, orders, top):
        """Names of the products and units of the lines and top products, in
        the user's language (one read for all; archived products included)."""
        rows = [line for account_orders in orders.values() for order in account_orders for line in order["lines"]]
        rows += [product for account_top in top.values() for product in account_top]
        products = self.env["product.product"].sudo().with_context(active_test=False)
        products = products.browse({row["product_id"] for row in rows if row["product_id"]})
        uoms = self.env["uom.uom"].sudo().with_context(active_test=False)
        uoms = uoms.browse({row["uom_id"] for row in rows if row["uom_id"]})
        product_names = dict(zip(products.ids, products.mapped("display_name"), strict=True))
        uom_names = dict(zip(uoms.ids, uoms.mapped("name"), strict=True))
        for row in rows:
            row["product"] = product_names.get(row["product_id"], "")
            row["uom"] = uom_names.get(row["uom_id"], "")

    @api.model
    def _render_values(self, history, links=True):
        """What the template ``kam_transaction_history`` reads of one
        account: its history, the currencies of its amounts by id, whether
        the documents are links (not in the PDF) and the periods, in the
        language of the context."""
        currency_ids = {history["currency_id"]} | {
            row["currency_id"] for key in ("orders", "invoices", "refunds") for row in history[key]
        }
        return dict(
            history,
            currencies={currency.id: currency for currency in self.env["res.currency"].browse(currency_ids)},
            links=links,
            order_period=self.env._("(last %(months)s months)", months=ORDER_MONTHS),
            top_period=self.env._("(last %(months)s months)", months=TOP_PRODUCT_MONTHS),
        )

    @api.model
    def _render(self, history):
        """The history of one account as HTML (the partner form's page)."""
        return self.env["ir.qweb"]._render(
            "key_account_management.kam_transaction_history", {"kam_history": self._render_values(history)}
        )
