"""Account-private partner fields attacked over JSON-RPC against a
``--workers=2`` server (the profile, figures, health and risk of an account,
the buying role, birthday... of its contacts): a Key Account User or Viewer
outside an account's team must learn none of them, by any path; the
account's manager and team, key account managers and all-accounts viewers
read them all.

Each test asserts the safe behaviour: a failing test is a leak.
"""

import base64
import io
import json
import re

import openpyxl
import pytest
from rpc_client import Rpc
from rpc_setup import server_errors, setup_script

SETUP = """
from datetime import timedelta
from odoo import fields

a = user("pa_a", "key_account_management.group_kam_user")
# another team's key account user who, like most internal users, may edit contacts (Contact Creation)
b = user("pa_b", "key_account_management.group_kam_user,base.group_allow_export,base.group_partner_manager")
vin = user("pa_vin", "key_account_management.group_kam_viewer")
vout = user("pa_vout", "key_account_management.group_kam_viewer,base.group_allow_export")
mgr = user("pa_mgr", "key_account_management.group_kam_manager")
sales = user("pa_sales", "sales_team.group_sale_salesman_all_leads")
soon = fields.Date.context_today(Partner) + timedelta(days=3)
X = key_account("PA Account X", a, kam_team_user_ids=[Command.set(vin.ids)])
Y = key_account("PA Account Y", b)
C = contact(X, "PA X Buyer", email="pa.buyer@example.com")
# as the jobs write them
X.write({
    "kam_revenue_current": 4321.0, "kam_revenue_previous": 1234.0, "kam_order_count": 7, "kam_health_score": 33,
    "kam_health_band": "at_risk", "kam_risk_level": "high", "kam_business_scope": "Secret scope",
    "kam_potential": 77, "kam_last_order_date": "2026-03-15", "kam_first_order_date": "2020-01-02",
    "kam_revenue_trend": 250.0, "kam_contract_date": soon.replace(year=soon.year - 3),
    "kam_contact_interval_days": 9, "kam_avg_satisfaction": 4.5, "kam_open_complaint_count": 3,
    "kam_tier_lock_reason": "Secret lock",
})
C.write({"kam_buying_role": "economic_buyer", "kam_influence": 4, "kam_relationship": 2,
         "kam_birthday": soon.replace(year=1980), "kam_preferred_channel": "phone"})
X.write({"kam_potential": 88})
C.write({"kam_buying_role": "decision_maker"})
Y.write({"kam_revenue_current": 5000.0})
# a customer contact with portal access: res.users inherits the partner's fields
portal = portal_user("pa_portal", X)
portal.partner_id.write({"kam_buying_role": "champion", "kam_birthday": "1975-05-05", "kam_influence": 5})
product = env["product.product"].create({"name": "PA Widget", "list_price": 10.0})
order = sale_order(C, product, user_id=sales.id)
# the daily customer-care job: birthday of C and contract anniversary of X in 3 days
env["kam.cadence.engine"]._raise_care_activities(X)
commit_and_emit({
    "X": X.id, "Y": Y.id, "C": C.id, "order": order.id, "portal_uid": portal.id, "portal_pid": portal.partner_id.id,
    "birthday": str(C.kam_birthday), "contract": str(X.kam_contract_date), "soon": str(soon),
})
"""

ACCOUNT_FIELDS = {
    "kam_revenue_current": 4321.0,
    "kam_revenue_previous": 1234.0,
    "kam_order_count": 7,
    "kam_health_score": 33,
    "kam_health_band": "at_risk",
    "kam_risk_level": "high",
    "kam_business_scope": "Secret scope",
    "kam_potential": 88,
    "kam_last_order_date": "2026-03-15",
    "kam_revenue_trend": 250.0,
    "kam_contact_interval_days": 9,
    "kam_open_complaint_count": 3,
    "kam_tier_lock_reason": "Secret lock",
}
CONTACT_FIELDS = {
    "kam_buying_role": "decision_maker",
    "kam_influence": 4,
    "kam_relationship": 2,
    "kam_preferred_channel": "phone",
}
OUTSIDERS = ("pa_b", "pa_vout")


@pytest.fixture
def privacy_server(rpc_server):
    return rpc_server("kam_privacy", setup_script(SETUP), "pytest-rpc-privacy")


def _csrf(user):
    page = user.session.get(f"{user.base}/web/login", timeout=60).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_private_fields_every_read_path(privacy_server, odoo_log_errors):
    """Reads, relations, searches, orders, groups, exports, onchanges, the
    chatter, inherited fields of res.users, reports, the dashboard and the
    Excel wizard: nothing of X for outsiders; everything for X's team."""
    base, db, ids, proc = privacy_server
    X, Y, C = ids["X"], ids["Y"], ids["C"]
    birthday = ids["birthday"]

    # -- no over-masking: X's manager, X's team viewer and a key account manager read the truth
    for login in ("pa_a", "pa_vin", "pa_mgr"):
        user = Rpc(base, db, login)
        values = user.ok("res.partner", "read", [X], list(ACCOUNT_FIELDS))[0]
        assert {f: values[f] for f in ACCOUNT_FIELDS} == ACCOUNT_FIELDS, (login, values)
        contact = user.ok("res.partner", "read", [C], [*CONTACT_FIELDS, "kam_birthday"])[0]
        assert {f: contact[f] for f in CONTACT_FIELDS} == CONTACT_FIELDS, (login, contact)
        assert contact["kam_birthday"] == birthday
        assert user.ok("res.partner", "search_count", [("id", "=", X), ("kam_revenue_current", "=", 4321.0)]) == 1
        assert user.ok("res.partner", "search_count", [("child_ids.kam_buying_role", "=", "decision_maker")]) >= 1
    # X's manager changes tracked fields: the chatter shows him the changes
    a = Rpc(base, db, "pa_a")
    a.ok("res.partner", "write", [X], {"kam_potential": 90})
    a.ok("res.partner", "write", [C], {"kam_buying_role": "detractor"})
    thread = json.dumps(a._post("/mail/thread/messages", {"thread_model": "res.partner", "thread_id": X}))
    assert '"fieldName": "kam_potential"' in thread, (
        "X's manager sees the tracked potential (control of the check below)"
    )
    thread = json.dumps(a._post("/mail/thread/messages", {"thread_model": "res.partner", "thread_id": C}))
    assert "Detractor" in thread, "X's manager sees the tracked buying role (control of the check below)"

    for login in OUTSIDERS:
        user = Rpc(base, db, login)
        where = f"{login}: "
        # read, web_read, search_read, relations
        values = user.ok("res.partner", "read", [X], list(ACCOUNT_FIELDS))[0]
        assert all(not values[f] for f in ACCOUNT_FIELDS), where + str(values)
        values = user.ok("res.partner", "web_read", [X], {f: {} for f in ACCOUNT_FIELDS})[0]
        assert all(not values[f] for f in ACCOUNT_FIELDS), where + str(values)
        spec = {"child_ids": {"fields": {**{f: {} for f in CONTACT_FIELDS}, "kam_birthday": {}}}}
        for child in user.ok("res.partner", "web_read", [X], spec)[0]["child_ids"]:
            assert not any(child[f] for f in [*CONTACT_FIELDS, "kam_birthday"]), where + str(child)
        spec = {"parent_id": {"fields": {f: {} for f in ACCOUNT_FIELDS}}}
        parent = user.ok("res.partner", "web_read", [C], spec)[0]["parent_id"]
        assert all(not parent[f] for f in ACCOUNT_FIELDS), where + str(parent)
        rows = user.ok("res.partner", "search_read", [("id", "in", [X, C])], [*ACCOUNT_FIELDS, *CONTACT_FIELDS])
        assert all(not row[f] for row in rows for f in [*ACCOUNT_FIELDS, *CONTACT_FIELDS]), where + str(rows)
        # res.users inherits res.partner: the portal user's partner is a contact of X
        portal = user.ok("res.users", "read", [ids["portal_uid"]], ["kam_buying_role", "kam_birthday", "kam_influence"])
        assert not any(portal[0][f] for f in ("kam_buying_role", "kam_birthday", "kam_influence")), where + str(portal)
        portal_uid = ids["portal_uid"]
        for domain in ([("kam_buying_role", "=", "champion")], [("partner_id.kam_birthday", "=", "1975-05-05")]):
            assert user.ok("res.users", "search_count", [("id", "=", portal_uid), *domain]) == 0, where + str(domain)
        # search by value: any operator, negations, paths, any
        domains = [
            [("kam_revenue_current", "=", 4321.0)],
            [("kam_revenue_current", ">", 4000)],
            [("kam_revenue_current", "in", [4321.0])],
            ["!", ("kam_revenue_current", "<", 4000)],
            ["!", ("kam_revenue_current", "=", False)],
            [("kam_revenue_current", "!=", False)],
            [("kam_risk_level", "=", "high")],
            [("kam_risk_level", "!=", False)],
            [("kam_business_scope", "ilike", "secret")],
            [("kam_business_scope", "=like", "Secret%")],
            [("kam_health_score", "<=", 33), ("kam_health_score", ">=", 33)],
            [("kam_last_order_date", "=", "2026-03-15")],
            [("kam_contact_overdue", "=", True)],
            [("child_ids.kam_buying_role", "=", "detractor")],
            [("child_ids", "any", [("kam_birthday", "!=", False)])],
            [("commercial_partner_id.kam_revenue_current", ">", 4000)],
        ]
        for domain in domains:
            count = user.ok("res.partner", "search_count", [("id", "in", [X, C]), *domain])
            assert count == 0, f"{where}{domain} finds X or its contact"
        for domain in ([("parent_id.kam_health_score", "=", 33)], [("kam_buying_role", "=", "detractor")]):
            assert user.ok("res.partner", "search_count", [("id", "=", C), *domain]) == 0, where + str(domain)
        if login == "pa_b":  # a key account user reads sale orders of his accounts only
            for op in ("=", "!="):
                domain = [("partner_id.commercial_partner_id.kam_risk_level", op, "high")]
                assert user.ok("sale.order", "search_count", domain) == 0
        # order and groups
        # Y (5000, B's account) against X (4321): X sorts as an empty value (NULL: first descending,
        # last ascending), not below / above Y as its real revenue would
        if login == "pa_b":
            found = user.ok("res.partner", "search", [("id", "in", [X, Y])], order="kam_revenue_current desc")
            assert found == [X, Y], where + f"order by revenue desc gives {found}"
            found = user.ok("res.partner", "search", [("id", "in", [X, Y])], order="kam_revenue_current asc")
            assert found == [Y, X], where + f"order by revenue asc gives {found}"
        groups = user.ok(
            "res.partner", "read_group", [("id", "in", [X, C])],
            ["kam_revenue_current:sum", "kam_health_score:max", "kam_influence:sum", "kam_birthday:min",
             "kam_buying_role:array_agg", "kam_potential:count_distinct", "kam_revenue_trend:avg"],
            ["kam_last_order_date:month", "kam_risk_level"], lazy=False,
        )  # fmt: skip
        for group in groups:
            assert not group["kam_last_order_date:month"] and not group["kam_risk_level"], where + str(group)
            assert not group["kam_revenue_current"] and not group["kam_health_score"], where + str(group)
            assert not group["kam_influence"] and not group["kam_birthday"] and not group["kam_revenue_trend"]
            assert not any(group["kam_buying_role"]) and not group["kam_potential"], where + str(group)
        web_groups = user.ok(
            "res.partner", "web_read_group", [("id", "in", [X, C])], ["kam_revenue_current:sum"], ["kam_buying_role"]
        )
        assert [g["kam_buying_role"] for g in web_groups["groups"]] == [False], where + str(web_groups)
        # exports: export_data (with sub-fields) and the web client's Excel export, grouped
        exported = user.ok(
            "res.partner", "export_data", [X, C],
            ["kam_revenue_current", "kam_risk_level", "kam_buying_role", "child_ids/kam_buying_role",
             "child_ids/kam_birthday", "parent_id/kam_health_score"],
        )["datas"]  # fmt: skip
        assert all(cell in ("", 0, 0.0, False) for row in exported for cell in row), where + str(exported)
        if login == "pa_vout":
            token = _csrf(user)
            for groupby in (["kam_risk_level"], ["kam_last_order_date:month"], []):
                payload = {
                    "model": "res.partner", "ids": False, "domain": [("id", "in", [X, C])], "groupby": groupby,
                    "context": {}, "import_compat": False,
                    "fields": [
                        {"name": "name", "label": "Name", "type": "char"},
                        {"name": "kam_revenue_current", "label": "Revenue", "type": "monetary"},
                        {"name": "kam_health_score", "label": "Health", "type": "integer"},
                        {"name": "kam_influence", "label": "Influence", "type": "integer"},
                    ],
                }  # fmt: skip
                response = user.session.post(
                    f"{base}/web/export/xlsx", data={"data": json.dumps(payload), "csrf_token": token}, timeout=60
                )
                assert response.status_code == 200, f"{where}xlsx export {groupby}: HTTP {response.status_code}"
                book = openpyxl.load_workbook(io.BytesIO(response.content))
                cells = {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row}
                assert not cells & {"4321", "4321.0", "4,321.00", "33", "33.0", "4", "High"}, where + str(cells)
        # onchange of the existing account and of a new company holding X's contact
        spec = {**{f: {} for f in ACCOUNT_FIELDS}, "child_ids": {"fields": {"kam_buying_role": {}}}}
        result = user.ok("res.partner", "onchange", [X], {}, [], spec)["value"]
        assert all(not result.get(f) for f in ACCOUNT_FIELDS), where + str(result)
        new = {"name": "z", "is_company": True, "kam_is_key_account": True, "child_ids": [[4, ids["portal_pid"], 0]]}
        spec = {"kam_missing_champion": {}, "child_ids": {"fields": {"kam_buying_role": {}}}}
        result = user.ok("res.partner", "onchange", [], new, [], spec)["value"]
        assert result["kam_missing_champion"] is True, where + "the new company's missing role tells the contact's role"
        assert not result["child_ids"][0][2]["kam_buying_role"], where + str(result)
        copied = user.ok("res.partner", "copy_data", [C])[0]
        assert not any(copied.get(f) for f in [*CONTACT_FIELDS, "kam_birthday"]), where + str(copied)
        # related records and computed counts
        related = user.ok(
            "res.partner", "read", [X],
            ["kam_open_risk_signal_ids", "kam_tier_history_ids", "kam_health_snapshot_ids", "kam_sees_account",
             "kam_effective_contact_interval", "kam_days_since_contact", "kam_missing_decision_maker"],
        )[0]  # fmt: skip
        assert not related["kam_sees_account"] and not related["kam_effective_contact_interval"], where + str(related)
        assert not related["kam_days_since_contact"] and not related["kam_missing_decision_maker"], where + str(related)
        for model in ("kam.health.snapshot", "kam.tier.history", "kam.risk.signal", "kam.sale.analysis"):
            assert user.ok(model, "search_count", [("partner_id", "=", X)]) == 0, where + model
        # the chatter: tracked values of X and C are not shown
        for thread_id in (X, C):
            thread = user._post("/mail/thread/messages", {"thread_model": "res.partner", "thread_id": thread_id})
            text = json.dumps(thread)
            assert "error" not in thread, where + text[:500]
            assert "kam_buying_role" not in text and "Detractor" not in text, where + "tracked buying role"
            assert "kam_potential" not in text and "Growth Potential" not in text, where + "tracked potential"
        # the printed profile
        response = user.session.get(
            f"{base}/report/html/key_account_management.report_kam_account_profile/{X}", timeout=60
        )
        assert "4321" not in response.text and "4,321" not in response.text and "Secret scope" not in response.text
    # the key account user's dashboard and Excel export: his accounts only / empty cells
    b = Rpc(base, db, "pa_b")
    dashboard = json.dumps(b.ok("kam.dashboard", "get_dashboard_data"))
    assert "PA Account X" not in dashboard and "4321" not in dashboard
    wizard = b.ok("kam.account.export", "create", {"partner_ids": [(6, 0, [X, Y])]})
    b.ok("kam.account.export", "action_export", [wizard])
    data = b.ok("kam.account.export", "read", [wizard], ["file_data"])[0]["file_data"]
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(data)))
    cells = {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row}
    assert not cells & {"4321", "4321.0", "33", "Secret scope", "High", "88"}, cells

    errors = server_errors(proc, odoo_log_errors)
    assert not errors, "server errors:\n" + "\n".join(errors)


def test_care_reminders_do_not_tell_birthdays_and_contract_dates(privacy_server, odoo_log_errors):
    """The customer-care job raises "Birthday of <contact> on <date>" and
    "<n>-year contract anniversary of <account> on <date>" on the account,
    for its manager: the birthday (kam_birthday) and the contract date
    (kam_contract_date) are account-private, so another team's key account
    user does not read these activities."""
    base, db, ids, proc = privacy_server
    X = ids["X"]
    secrets = (ids["soon"], "Birthday of", "contract anniversary")
    domain = [("res_model", "=", "res.partner"), ("res_id", "=", X)]
    a = Rpc(base, db, "pa_a")
    mine = a.ok("mail.activity", "search_read", domain, ["summary"])
    assert len(mine) == 2, f"the job raised the birthday and anniversary reminders for X's manager: {mine}"

    b = Rpc(base, db, "pa_b")
    seen = b.ok("mail.activity", "search_read", domain, ["summary", "date_deadline", "kam_reason"])
    leaked = [act for act in seen if any(s in json.dumps(act) for s in secrets)]
    assert not leaked, f"another team's key account user reads X's care reminders: {leaked}"
    params = {"thread_model": "res.partner", "thread_id": X, "request_list": ["activities"]}
    data = json.dumps(b._post("/mail/thread/data", params))
    assert "Birthday of" not in data and "contract anniversary" not in data, "chatter activities of X"

    errors = server_errors(proc, odoo_log_errors)
    assert not errors, "server errors:\n" + "\n".join(errors)


def test_done_care_reminders_do_not_tell_birthdays_in_the_chatter(privacy_server, odoo_log_errors):
    """X's manager marks the reminders done: Odoo posts "<type> done:
    Birthday of <contact> ... on <date>" in X's chatter, which every user
    who reads X reads."""
    base, db, ids, proc = privacy_server
    X = ids["X"]
    secrets = (ids["soon"], "Birthday of", "contract anniversary")
    a = Rpc(base, db, "pa_a")
    mine = a.ok("mail.activity", "search_read", [("res_model", "=", "res.partner"), ("res_id", "=", X)], ["summary"])
    assert len(mine) == 2, mine
    for activity in mine:
        a.ok("mail.activity", "action_feedback", [activity["id"]], feedback="Called")
    domain = [("model", "=", "res.partner"), ("res_id", "=", X)]
    # the trace of the done reminders is there, with the feedback typed (one chatter for all its readers:
    # the occasion and its date stay on the kept activities, which only the team reads)
    done = a.ok("mail.message", "search_read", domain + [("mail_activity_type_id", "!=", False)], ["body"])
    assert len(done) == 2 and all("Called" in m["body"] for m in done), done
    readers = {}
    for login in ("pa_a", *OUTSIDERS, "pa_sales"):  # the salesman may not even read kam_birthday
        user = Rpc(base, db, login)
        bodies = user.ok("mail.message", "search_read", domain, ["body"])
        leaked = [m["body"] for m in bodies if any(s in (m["body"] or "") for s in secrets)]
        if leaked:
            readers[login] = leaked
    assert not readers, f"X's done care reminders are read in its chatter by {sorted(readers)}: {readers}"

    errors = server_errors(proc, odoo_log_errors)
    assert not errors, "server errors:\n" + "\n".join(errors)


def test_writes_of_another_teams_private_fields_refused(privacy_server, odoo_log_errors):
    """Direct writes and imports of X's or its contact's private fields."""
    base, db, ids, proc = privacy_server
    X, C = ids["X"], ids["C"]
    b = Rpc(base, db, "pa_b")
    b.refused("res.partner", "write", [X], {"kam_business_scope": "x"})
    b.refused("res.partner", "write", [X], {"kam_potential": 1})
    b.refused("res.partner", "write", [C], {"kam_buying_role": "detractor"})
    b.refused(
        "res.partner", "write", [X], {"kam_revenue_current": 1.0},
        expected=("odoo.exceptions.AccessError", "odoo.exceptions.UserError", "odoo.exceptions.ValidationError"),
    )  # fmt: skip
    for fields, row in (([".id", "kam_business_scope"], [str(X), "x"]), ([".id", "kam_buying_role"], [str(C), "user"])):
        result = b.ok("res.partner", "load", fields, [row])
        assert not result["ids"] and result["messages"], result
    vout = Rpc(base, db, "pa_vout")
    vout.refused("res.partner", "write", [X], {"kam_business_scope": "x"})
    a = Rpc(base, db, "pa_a")
    values = a.ok("res.partner", "read", [X], ["kam_business_scope", "kam_potential"])[0]
    assert (values["kam_business_scope"], values["kam_potential"]) == ("Secret scope", 88)
    assert a.ok("res.partner", "read", [C], ["kam_buying_role"])[0]["kam_buying_role"] == "decision_maker"

    errors = server_errors(proc, odoo_log_errors)
    assert not errors, "server errors:\n" + "\n".join(errors)


def test_moving_another_teams_contact_does_not_reveal_it(privacy_server):
    """A key account user who may edit contacts puts X's contact under his
    own account Y: its buying role, influence and birthday are then "his"
    to read; he puts it back and X's team never knows. Re-parenting a
    contact that holds key-contact data out of an account must be refused
    to outsiders (as for the account itself)."""
    base, db, ids, proc = privacy_server
    X, Y, C = ids["X"], ids["Y"], ids["C"]
    b = Rpc(base, db, "pa_b")
    moved, error = b.call("res.partner", "write", [C], {"parent_id": Y})
    if error is None:
        values = b.ok("res.partner", "read", [C], [*CONTACT_FIELDS, "kam_birthday"])[0]
        b.call("res.partner", "write", [C], {"parent_id": X})
        leaked = {f: values[f] for f in [*CONTACT_FIELDS, "kam_birthday"] if values[f]}
        assert not leaked, f"moving X's contact under Y then reading it gives {leaked}"
        pytest.fail("another team's key account user moved X's key contact under his own account")
    assert error[0] in ("odoo.exceptions.AccessError", "odoo.exceptions.UserError"), error


def test_merging_away_another_teams_contact_refused(privacy_server):
    """The merge wizard checks key accounts (commercial entities) only: a
    key account user merges X's key contact into a contact of his own
    account; X loses the contact with its buying role and birthday."""
    base, db, ids, proc = privacy_server
    Y, C = ids["Y"], ids["C"]
    b = Rpc(base, db, "pa_b")
    mine = b.ok("res.partner", "create", {"name": "PA Y Buyer", "parent_id": Y, "email": "pa.buyer@example.com"})
    wizard = b.ok(
        "base.partner.merge.automatic.wizard", "create",
        {"partner_ids": [(6, 0, [C, mine])], "dst_partner_id": mine, "state": "selection"},
    )  # fmt: skip
    b.call("base.partner.merge.automatic.wizard", "action_merge", [wizard])
    a = Rpc(base, db, "pa_a")
    left = a.ok("res.partner", "search_read", [("id", "=", C)], ["kam_buying_role"], context={"active_test": False})
    assert left and left[0]["kam_buying_role"] == "decision_maker", (
        "another team's key account user merged X's key contact away into his own account's contact"
    )


def test_linking_another_teams_contact_to_own_account_does_not_reveal_it(privacy_server):
    """The same move from the other side: a key account user adds X's
    contact (here a portal user's partner) to the contacts of his own
    account Y (``child_ids`` link on Y), reads it, and puts it back."""
    base, db, ids, proc = privacy_server
    X, Y, contact = ids["X"], ids["Y"], ids["portal_pid"]
    fnames = ["kam_buying_role", "kam_influence", "kam_birthday"]
    b = Rpc(base, db, "pa_b")
    linked, error = b.call("res.partner", "write", [Y], {"child_ids": [(4, contact, 0)]})
    if error is None:
        values = b.ok("res.partner", "read", [contact], fnames)[0]
        b.call("res.partner", "write", [contact], {"parent_id": X})
        leaked = {f: values[f] for f in fnames if values[f]}
        assert not leaked, f"linking X's contact under Y then reading it gives {leaked}"
        pytest.fail("another team's key account user linked X's key contact to his own account")
    assert error[0] in ("odoo.exceptions.AccessError", "odoo.exceptions.UserError"), error
