"""Every path into key-account data, over JSON-RPC against a ``--workers=2``
server, as the roles a company has: what the web client, an integration or
a curious user can send (issue "Safe to install in a real company")."""

import pytest
from rpc_client import Rpc
from rpc_setup import server_log, setup_script

SETUP = """
manager = user("rpc_manager", "key_account_management.group_kam_manager")
owner = user("rpc_owner", "key_account_management.group_kam_user")
intruder = user("rpc_intruder", "key_account_management.group_kam_user,base.group_allow_export")
salesman = user("rpc_salesman", "sales_team.group_sale_salesman,base.group_allow_export")
accountant = user("rpc_accountant", "account.group_account_invoice,base.group_partner_manager")
employee = user("rpc_employee", "base.group_user,base.group_partner_manager")
viewer = user("rpc_viewer", "key_account_management.group_kam_viewer")
account = key_account(
    "RPC Target Account", owner, kam_competitor_notes="Rival undercuts by 7%",
    kam_business_scope="Bearings", kam_team_user_ids=[Command.set(viewer.ids)],
)
account.write({"kam_revenue_current": 4321.0, "kam_health_score": 33, "kam_risk_level": "high"})  # as the jobs do
buyer = contact(account, "RPC Buyer", email="buyer@example.com")
portal = portal_user("rpc_portal", account)
own = key_account("RPC Intruder Own", intruder)
env["kam.activity"]._raise_once([(account.id, "cadence", owner.id, "Follow up")])
interaction = env["kam.interaction"].create({
    "partner_id": account.id, "name": "Price talk", "channel": "meeting", "summary": "Wants 5% off",
    "next_step": "Send 5% offer", "next_step_date": "2030-01-01", "next_step_user_id": owner.id,
})
product = env["product.product"].create({"name": "RPC Widget", "list_price": 10.0})
order = sale_order(buyer, product, user_id=salesman.id)
interaction.sale_order_id = order
commit_and_emit({"account": account.id, "contact": buyer.id, "own": own.id, "order": order.id,
                 "intruder": intruder.id, "interaction": interaction.id})
"""


@pytest.fixture
def security_server(rpc_server):
    return rpc_server("kam_rpc", setup_script(SETUP), "pytest-rpc-security")


def test_rpc_paths_per_role(security_server, odoo_log_errors):
    base, db, ids, proc = security_server
    account, contact, own, order = ids["account"], ids["contact"], ids["own"], ids["order"]

    # -- portal: no key-account data at all, not even about their own company
    portal = Rpc(base, db, "rpc_portal")
    portal.refused("res.partner", "read", [account], ["kam_revenue_current"])
    portal.refused("res.partner", "read", [account], ["kam_is_key_account"])
    fields = portal.ok("res.partner", "fields_get", attributes=["type"])
    assert not [name for name in fields if name.startswith("kam_")], "portal users see no kam_ field"

    # -- employees and accountants: nothing key-account, core flows intact
    for login in ("rpc_employee", "rpc_accountant"):
        user = Rpc(base, db, login)
        names = user.ok("res.partner", "fields_get", attributes=["type"])
        assert not [name for name in names if name.startswith("kam_")], f"{login} sees kam_ fields"
        values = user.ok("res.partner", "read", [account], ["name", "email", "parent_id", "child_ids", "category_id"])
        assert values[0]["name"] == "RPC Target Account"
        user.refused("res.partner", "read", [account], ["kam_tier_id"])
        user.refused("res.partner", "search_count", [("kam_health_score", ">", 0)])
        activities = user.ok("mail.activity", "search_read", [("res_id", "=", account)], ["summary", "kam_reason"])
        assert not activities, f"{login} reads the key-account activities: {activities}"
        next_steps = user.ok("mail.activity", "search_read", [("summary", "ilike", "5% offer")], ["summary"])
        assert not next_steps, f"{login} reads an interaction's next step"
        messages = user.ok(
            "mail.message", "search_read", [("model", "=", "res.partner"), ("res_id", "=", account)], ["body"]
        )
        assert not [m for m in messages if "Rival" in (m["body"] or "")]
    accountant = Rpc(base, db, "rpc_accountant")
    order_fields = accountant.ok("sale.order", "fields_get", attributes=["type"])
    assert not [name for name in order_fields if name.startswith("kam_")]
    order_values = accountant.ok("sale.order", "read", [order], ["name", "partner_id", "amount_total"])[0]
    assert order_values["partner_id"][0] == contact
    accountant.ok("res.partner", "copy", contact)

    # -- salesman: reads all of an order and its customer, copies, exports; changes no key-account data
    salesman = Rpc(base, db, "rpc_salesman")
    order_values = salesman.ok("sale.order", "read", [order])[0]
    assert "kam_interaction_ids" not in order_values
    salesman.ok("sale.order", "copy", order)
    partner_fields = list(salesman.ok("res.partner", "fields_get", attributes=["type"]))
    salesman.ok("res.partner", "export_data", [account], partner_fields)
    salesman.ok("res.partner", "copy", account)
    salesman.refused("res.partner", "write", [account], {"is_company": False, "parent_id": own})
    salesman.refused("res.partner", "write", [account], {"kam_manager_id": False})
    salesman.refused(
        "res.partner", "write", [contact], {"kam_team_user_ids": [(6, 0, [])]},
        expected=("odoo.exceptions.UserError", "odoo.exceptions.AccessError"),
    )  # fmt: skip

    # -- a key account user of another account: no takeover, no confidential text, no figures written
    intruder = Rpc(base, db, "rpc_intruder")
    intruder.refused("res.partner", "write", [account], {"is_company": False, "parent_id": own})
    intruder.refused("res.partner", "write", [account], {"parent_id": own})
    intruder.refused(
        "res.partner", "write", [contact], {"kam_manager_id": ids["intruder"]},
        expected=("odoo.exceptions.UserError", "odoo.exceptions.AccessError"),
    )  # fmt: skip
    intruder.refused("res.partner", "write", [own], {"kam_health_score": 100})
    intruder.refused("res.partner", "write", [own], {"kam_revenue_current": 1e9})
    notes = intruder.ok("res.partner", "read", [account], ["kam_competitor_notes"])[0]
    assert not notes["kam_competitor_notes"], "another team's competitor text"
    assert intruder.ok("res.partner", "search_count", [("kam_competitor_notes", "ilike", "Rival")]) == 0
    exported = intruder.ok("res.partner", "export_data", [account], ["kam_competitor_notes"])
    assert not exported["datas"][0][0], "another team's competitor text exported"
    intruder.refused("kam.interaction", "read", [ids["interaction"]], ["summary"])
    # ... nor another team's figures, by reading, exporting, searching or summing them
    figures = ["kam_revenue_current", "kam_health_score", "kam_risk_level", "kam_business_scope"]
    values = intruder.ok("res.partner", "read", [account], figures)[0]
    assert [values[fname] for fname in figures] == [0.0, 0, False, False], values
    assert intruder.ok("res.partner", "export_data", [account], figures)["datas"] == [[0.0, 0, "", ""]]
    assert intruder.ok("res.partner", "search_count", [("id", "=", account), ("kam_risk_level", "=", "high")]) == 0
    assert intruder.ok("res.partner", "search_count", [("id", "=", account), ("kam_revenue_current", ">", 4000)]) == 0
    groups = intruder.ok(
        "res.partner", "read_group", [("id", "in", [account, own])], ["kam_revenue_current:sum"], ["kam_risk_level"],
        lazy=False,
    )  # fmt: skip
    assert {(g["kam_risk_level"], g["kam_revenue_current"]) for g in groups} == {(False, 0.0)}, groups

    # -- after all that, the account is still its owner's
    owner = Rpc(base, db, "rpc_owner")
    values = owner.ok("res.partner", "read", [account], ["kam_manager_id", "parent_id", "kam_competitor_notes"])[0]
    assert values["kam_manager_id"][1] == "rpc_owner"
    assert not values["parent_id"]
    assert values["kam_competitor_notes"] == "Rival undercuts by 7%"
    assert owner.ok("kam.interaction", "read", [ids["interaction"]], ["summary"])

    # -- the viewer reads figures of the accounts of their account team, changes nothing
    viewer = Rpc(base, db, "rpc_viewer")
    figures = viewer.ok("res.partner", "read", [account], ["kam_revenue_current", "kam_business_scope"])[0]
    assert figures["kam_business_scope"] == "Bearings"
    assert figures["kam_revenue_current"] == 4321.0
    assert viewer.ok("res.partner", "search_count", [("id", "=", account), ("kam_risk_level", "=", "high")]) == 1
    assert viewer.ok("kam.interaction", "search_count", [("partner_id", "=", account)]) == 1
    viewer.refused("res.partner", "read", [account], ["kam_competitor_notes"])
    viewer.refused("kam.competitor.note", "search_read", [])
    viewer.refused("res.partner", "write", [account], {"kam_business_scope": "x"})

    # the dashboard runs on a read-only cursor (a read replica when one is configured)
    dashboard = viewer.ok("kam.dashboard", "get_dashboard_data")
    assert dashboard["account_count"] == 1 and not dashboard["errors"], dashboard
    assert owner.ok("kam.dashboard", "get_dashboard_data")["account_count"] == 1
    # so do the import templates, and the profile report (Odoo's read-only report route)
    for model in ("res.partner", "kam.interaction", "kam.preference"):
        assert viewer.ok(model, "get_import_templates")[0]["template"].endswith(".xlsx")
    report = owner.session.get(
        f"{base}/report/html/key_account_management.report_kam_account_profile/{account}", timeout=120
    )
    assert report.status_code == 200 and "Rival undercuts by 7%" in report.text, report.status_code

    text = server_log(proc)
    errors = odoo_log_errors(text)
    assert not errors, "server errors:\n" + "\n".join(errors)
    assert "retrying with a read/write cursor" not in text, "a read-only method wrote"
