/** @odoo-module */

import { Component, onWillStart, useState } from "@odoo/owl";
import { formatCurrency } from "@web/core/currency";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { formatFloat } from "@web/core/utils/numbers";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";

/**
 * Key account dashboard: accounts by tier and risk level, top growing and
 * shrinking accounts, overdue follow-ups, open high risks, the largest white
 * space, late reorders and plan goal attainment. The figures come from one call to
 * ``kam.dashboard.get_dashboard_data`` (computed as the current user, record
 * rules apply); every number opens the records behind it, with the domain
 * the server counted them with.
 */
export class KamDashboard extends Component {
    static template = "key_account_management.KamDashboard";
    static components = { Layout };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call("kam.dashboard", "get_dashboard_data", []);
    }

    get data() {
        return this.state.data;
    }

    get display() {
        return { controlPanel: {} };
    }

    formatAmount(value) {
        return formatCurrency(value || 0, this.state.data.currency_id, { humanReadable: true });
    }

    formatFloat(value) {
        return formatFloat(value, { digits: [16, 1] });
    }

    formatTrend(value) {
        return `${value > 0 ? "+" : ""}${formatFloat(value, { digits: [16, 1] })} %`;
    }

    openAccounts(name, domain) {
        const views = this.state.data.views;
        return this.action.doAction({
            type: "ir.actions.act_window",
            name,
            res_model: "res.partner",
            domain,
            views: [
                [views.account_list, "list"],
                [false, "kanban"],
                [false, "form"],
            ],
            search_view_id: [views.account_search],
            context: { default_kam_is_key_account: true, default_is_company: true },
        });
    }

    openAccount(id) {
        return this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "res.partner",
            res_id: id,
            views: [[false, "form"]],
        });
    }

    openRecords(resModel, name, domain, listViewId = false) {
        return this.action.doAction({
            type: "ir.actions.act_window",
            name,
            res_model: resModel,
            domain,
            views: [
                [listViewId, "list"],
                [false, "form"],
            ],
        });
    }

    openAllAccounts() {
        const name = this.data.is_manager ? _t("All Key Accounts") : _t("My Key Accounts");
        return this.openAccounts(name, this.data.account_domain);
    }

    openActivityOverdue() {
        const block = this.data.follow_ups.activity_overdue;
        return this.openAccounts(_t("Accounts with Overdue Activities"), block.domain);
    }

    openContactOverdue() {
        const block = this.data.follow_ups.contact_overdue;
        return this.openAccounts(_t("Accounts Overdue for Contact"), block.domain);
    }

    openTop(kind) {
        const name = kind === "growing" ? _t("Growing Accounts") : _t("Shrinking Accounts");
        return this.openAccounts(name, this.data[kind].domain);
    }

    openAllRisks() {
        return this.openRecords("kam.risk.signal", _t("Open High Risks"), this.data.risks.domain);
    }

    openWhiteSpace() {
        return this.openRecords("kam.white.space", _t("White Space"), this.data.white_space.domain);
    }

    openLateReorders() {
        // the Late filter of the reorder radar; the record rules keep the user's accounts
        // (all of them for managers), as the dashboard counted them
        return this.action.doAction("key_account_management.kam_reorder_action", {
            additionalContext: { search_default_late: 1, search_default_my_accounts: 0 },
        });
    }

    openProfit() {
        return this.openRecords("kam.profit", _t("Accounts Losing Money"), this.data.profit.domain);
    }

    openReorder(id) {
        return this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "kam.reorder",
            res_id: id,
            views: [[false, "form"]],
        });
    }

    openSingleThreaded() {
        return this.openAccounts(_t("Single-Threaded Accounts"), this.data.coverage.single_domain);
    }

    openUnreached() {
        return this.openAccounts(_t("Accounts with Key People Not Reached"), this.data.coverage.unreached_domain);
    }

    openRelationshipMap(accountId) {
        return this.action.doAction({
            type: "ir.actions.client",
            tag: "kam_relationship_map",
            name: _t("Relationship Map"),
            params: { account_id: accountId },
        });
    }

    openPlans() {
        return this.openRecords("kam.plan", _t("Active Plans"), this.data.plans.plan_domain);
    }

    openAllObjectives() {
        return this.openObjectives(_t("Objectives of Active Plans"), this.data.plans.objective_domain);
    }

    openTier(tier) {
        return this.openAccounts(_t("Key Accounts: %(tier)s", { tier: tier.name }), tier.domain);
    }

    openRiskLevel(level) {
        return this.openAccounts(_t("Key Accounts: %(level)s risk", { level: level.name }), level.domain);
    }

    openObjectives(name, domain) {
        return this.openRecords("kam.plan.objective", name, domain, this.state.data.views.objective_list);
    }
}

registry.category("actions").add("kam_dashboard", KamDashboard);
