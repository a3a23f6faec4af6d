/** @odoo-module */

import { Component, useState } from "@odoo/owl";
import { DateTimeInput } from "@web/core/datetime/datetime_input";
import { _t } from "@web/core/l10n/translation";
import { deserializeDate } from "@web/core/l10n/dates";
import { RecordSelector } from "@web/core/record_selectors/record_selector";

/**
 * Edits one responsibility of a matrix cell in place (popover): the owner
 * (an internal user, picked with core's record selector), the RACI role, the
 * deadline and whether it is confirmed. A new line of the cell when
 * ``entry`` is empty. Saving hands the values to the matrix, which writes
 * them with the ORM and reloads.
 */
export class KamMatrixCellEditor extends Component {
    static template = "key_account_management.KamMatrixCellEditor";
    static components = { DateTimeInput, RecordSelector };
    static props = {
        account: Object,
        duty: Object,
        entry: { type: [Object, { value: null }] },
        raciOptions: Array,
        defaultRaci: { type: String, optional: true },
        onSave: Function,
        onRemove: Function,
        onOpen: Function,
        close: Function,
    };

    setup() {
        const entry = this.props.entry;
        this.state = useState({
            userId: entry?.user_id || false,
            raci: entry?.raci || this.props.defaultRaci || "responsible",
            deadline: entry?.deadline ? deserializeDate(entry.deadline) : false,
            confirmed: entry ? entry.state === "confirmed" : true,
            saving: false,
        });
        this.userDomain = [["share", "=", false]];
    }

    get title() {
        return _t("%(duty)s for %(account)s", {
            duty: this.props.duty.name,
            account: this.props.account.name,
        });
    }

    onUserChange(userId) {
        this.state.userId = userId || false;
        // choosing the owner of a proposed line confirms it (untick to keep it proposed)
        if (userId && this.props.entry?.state === "draft") {
            this.state.confirmed = true;
        }
    }

    onDeadlineChange(value) {
        this.state.deadline = value || false;
    }

    clearDeadline() {
        this.state.deadline = false;
    }

    async save() {
        this.state.saving = true;
        const saved = await this.props.onSave({
            userId: this.state.userId,
            raci: this.state.raci,
            deadline: this.state.deadline,
            confirmed: this.state.confirmed,
        });
        if (saved) {
            this.props.close();
        } else {
            this.state.saving = false;
        }
    }

    async remove() {
        this.state.saving = true;
        if (await this.props.onRemove()) {
            this.props.close();
        } else {
            this.state.saving = false;
        }
    }

    open() {
        this.props.close();
        this.props.onOpen();
    }
}
