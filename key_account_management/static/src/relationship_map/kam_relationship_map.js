/** @odoo-module */

import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { deserializeDateTime, formatDate } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";

/**
 * One person of the account and, under them, the people who report to them
 * (drawn recursively): name, function, buying role, influence, relationship
 * strength, coverage flags, and our people linked to them by recency.
 */
export class KamRelationshipNode extends Component {
    static template = "key_account_management.KamRelationshipNode";
    static props = ["node", "childrenOf", "openContact"];

    get children() {
        return this.props.childrenOf(this.props.node.id);
    }

    stars(value) {
        return value ? "★".repeat(value) + "☆".repeat(Math.max(5 - value, 0)) : "";
    }

    lastTouch(value) {
        return value ? formatDate(deserializeDateTime(value)) : "";
    }

    recencyLabel(link) {
        return {
            month: _t("last 30 days"),
            quarter: _t("last 90 days"),
            older: _t("older"),
        }[link.recency];
    }
}
KamRelationshipNode.components = { KamRelationshipNode };

/**
 * The relationship map (关系地图) of one key account (client action
 * ``kam_relationship_map``, opened from the account's form): its people as
 * an org chart ("Reports To", else their parent contact), our people linked
 * to each of them with the recency of their last touch. One call to
 * ``kam.relationship.get_relationship_map`` (read as the current user: the
 * account's team and key account managers only).
 */
export class KamRelationshipMap extends Component {
    static template = "key_account_management.KamRelationshipMap";
    static components = { Layout, KamRelationshipNode };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null });
        const action = this.props.action || {};
        this.accountId = (action.params && action.params.account_id) || (action.context && action.context.active_id);
        onWillStart(() => this.load());
    }

    get display() {
        return { controlPanel: {} };
    }

    get data() {
        return this.state.data;
    }

    async load() {
        this.state.data = await this.orm.call("kam.relationship", "get_relationship_map", [this.accountId]);
        const byParent = {};
        for (const contact of this.state.data.contacts) {
            const key = contact.parent_id || "top";
            (byParent[key] = byParent[key] || []).push(contact);
        }
        this.byParent = byParent;
    }

    childrenOf(id) {
        return this.byParent[id || "top"] || [];
    }

    openContact(contact) {
        return this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "res.partner",
            res_id: contact.id,
            views: [[false, "form"]],
        });
    }

    openAccount() {
        return this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "res.partner",
            res_id: this.data.account.id,
            views: [[false, "form"]],
        });
    }
}

registry.category("actions").add("kam_relationship_map", KamRelationshipMap);
