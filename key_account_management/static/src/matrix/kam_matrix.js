/** @odoo-module */

import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatDate, deserializeDate, serializeDate } from "@web/core/l10n/dates";
import { usePopover } from "@web/core/popover/popover_hook";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";
import { Layout } from "@web/search/layout";
import { usePager } from "@web/search/pager_hook";
import { KamMatrixCellEditor } from "./kam_matrix_cell_editor";

const PAGE = 50;
const MAX_PAGE = 200; // kam_responsibility_matrix.MATRIX_MAX_PAGE

/**
 * The responsibility matrix (分工表): key accounts in rows (sorted by name,
 * 50 a page, searched by name, "my accounts" on demand), active duties in
 * columns. Each cell lists who does the duty for the account: owner, RACI
 * letter, deadline, proposed lines apart; a duty the account needs that
 * nobody confirmed owns is a gap.
 *
 * One page comes from one call to ``kam.responsibility.matrix.get_matrix``
 * (read as the current user). A click on a line edits it in place, a click
 * on an empty cell or on "+" adds one; the edits are plain ORM writes and
 * creates of ``kam.responsibility``, so that access rights, record rules
 * and constraints apply, their errors shown as notifications.
 */
export class KamResponsibilityMatrix extends Component {
    static template = "key_account_management.KamResponsibilityMatrix";
    static components = { Layout };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.notification = useService("notification");
        this.popover = usePopover(KamMatrixCellEditor, {
            position: "bottom",
            popoverClass: "o_kam_matrix_popover",
        });
        this.state = useState({
            data: null,
            search: "",
            mine: false,
            gaps: false,
            offset: 0,
            limit: PAGE,
        });
        this.debouncedSearch = useDebounced(() => this.reload(), 300);
        usePager(() => {
            if (!this.state.data) {
                return null;
            }
            return {
                offset: this.state.offset,
                limit: this.state.limit,
                total: this.state.data.total,
                onUpdate: ({ offset, limit }) => {
                    this.state.offset = offset;
                    this.state.limit = Math.min(Math.max(limit, 1), MAX_PAGE);
                    return this.load();
                },
            };
        });
        onWillStart(() => this.load());
    }

    get display() {
        return { controlPanel: {} };
    }

    get data() {
        return this.state.data;
    }

    async load() {
        this.state.data = await this.orm.call("kam.responsibility.matrix", "get_matrix", [], {
            search: this.state.search,
            mine: this.state.mine,
            gaps: this.state.gaps,
            offset: this.state.offset,
            limit: this.state.limit,
        });
    }

    reload() {
        this.state.offset = 0;
        return this.load();
    }

    onSearchInput(ev) {
        this.state.search = ev.target.value;
        this.debouncedSearch();
    }

    onSearchKeydown(ev) {
        if (ev.key === "Enter") {
            this.debouncedSearch.cancel?.();
            this.reload();
        }
    }

    toggleMine() {
        this.state.mine = !this.state.mine;
        return this.reload();
    }

    toggleGaps() {
        this.state.gaps = !this.state.gaps;
        return this.reload();
    }

    formatDeadline(value) {
        return value ? formatDate(deserializeDate(value)) : "";
    }

    duty(index) {
        return this.data.duties[index];
    }

    cellClass(account, cell) {
        return {
            o_kam_matrix_gap: cell.gap,
            o_kam_matrix_required: cell.required,
            o_kam_matrix_na: !cell.applies,
            o_kam_matrix_editable: account.editable && cell.applies,
        };
    }

    entryTitle(entry) {
        const parts = [entry.user_name || _t("Nobody yet"), entry.raci_label, entry.state_label];
        if (entry.deadline) {
            parts.push(_t("Deadline: %s", this.formatDeadline(entry.deadline)));
        }
        if (!entry.user_active) {
            parts.push(_t("Archived user"));
        }
        return parts.join(" · ");
    }

    /** A click on the cell: edits its responsible (R) line, or its first one, or adds one. */
    editCell(ev, account, cellIndex) {
        const entries = account.cells[cellIndex].entries;
        const entry = entries.find((e) => e.raci === "responsible") || entries[0] || null;
        return this.edit(ev, account, cellIndex, entry);
    }

    /** Opens the in-place editor of ``entry`` (a new line of the cell when null). */
    edit(ev, account, cellIndex, entry = null) {
        const cell = account.cells[cellIndex];
        if (!account.editable || !cell.applies) {
            return;
        }
        const duty = this.duty(cellIndex);
        this.popover.open(ev.currentTarget, {
            account,
            duty,
            entry,
            raciOptions: this.data.raci,
            // a cell has one Responsible: a line added next to it is Consulted unless changed
            defaultRaci: cell.entries.some((e) => e.raci === "responsible") ? "consulted" : "responsible",
            onSave: (values) => this.saveEntry(account, duty, entry, values),
            onRemove: () => this.removeEntry(entry),
            onOpen: () => this.openEntry(entry),
        });
    }

    async saveEntry(account, duty, entry, values) {
        const vals = {
            user_id: values.userId || false,
            raci: values.raci,
            deadline: values.deadline ? serializeDate(values.deadline) : false,
            state: values.confirmed ? "confirmed" : "draft",
        };
        try {
            if (entry) {
                await this.orm.write("kam.responsibility", [entry.id], vals);
            } else {
                await this.orm.create("kam.responsibility", [
                    { ...vals, partner_id: account.id, duty_id: duty.id },
                ]);
            }
        } catch (error) {
            this.notifyError(error);
            return false;
        }
        this.notification.add(
            _t("%(duty)s of %(account)s saved.", { duty: duty.name, account: account.name }),
            { type: "success" }
        );
        await this.load();
        return true;
    }

    async removeEntry(entry) {
        try {
            await this.orm.write("kam.responsibility", [entry.id], { active: false });
        } catch (error) {
            this.notifyError(error);
            return false;
        }
        await this.load();
        return true;
    }

    notifyError(error) {
        const message = error.data?.message || error.message || String(error);
        this.notification.add(message, { type: "danger", title: _t("Not saved") });
    }

    openEntry(entry) {
        return this.action.doAction(
            {
                type: "ir.actions.act_window",
                res_model: "kam.responsibility",
                res_id: entry.id,
                views: [[false, "form"]],
                target: "new",
            },
            { onClose: () => this.load() }
        );
    }

    openAccount(account) {
        return this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "res.partner",
            res_id: account.id,
            views: [[false, "form"]],
        });
    }
}

registry.category("actions").add("kam_responsibility_matrix", KamResponsibilityMatrix);
