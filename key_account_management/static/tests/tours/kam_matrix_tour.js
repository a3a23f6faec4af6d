/** @odoo-module */

import { registry } from "@web/core/registry";

// A key account user opens the responsibility matrix, sees the gap of their
// account's required duty, fills it in place with an owner and a deadline,
// and sees the owner in the cell, the gap gone; a second Responsible is
// refused with a notification, a Consulted line is added.
registry.category("web_tour.tours").add("kam_matrix_tour", {
    steps: () => [
        {
            content: "The required duty of the account is a gap",
            trigger: ".o_kam_matrix_row:contains('Tour Matrix Co.') .o_kam_matrix_cell.o_kam_matrix_gap",
            run: "click",
        },
        {
            content: "Choose the owner",
            trigger: ".o_kam_matrix_editor .o_record_selector input",
            run: "edit Tour Matrix Owner",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour Matrix Owner')",
            run: "click",
        },
        {
            content: "Set the deadline",
            trigger: ".o_kam_matrix_editor .o_datetime_input",
            run: "edit 12/31/2030 && press Enter",
        },
        {
            trigger: ".o_kam_matrix_editor .o_kam_matrix_save",
            run: "click",
        },
        {
            content: "The cell shows the owner, R and the deadline; no gap any more",
            trigger:
                ".o_kam_matrix_row:contains('Tour Matrix Co.') .o_kam_matrix_cell:not(.o_kam_matrix_gap) .o_kam_matrix_entry:contains('Tour Matrix Owner'):contains('R'):contains('12/31/2030')",
        },
        {
            content: "Add a second line to the cell",
            trigger: ".o_kam_matrix_row:contains('Tour Matrix Co.') .o_kam_matrix_add",
            run: "click",
        },
        {
            trigger: ".o_kam_matrix_editor .o_record_selector input",
            run: "edit Tour Matrix Owner",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour Matrix Owner')",
            run: "click",
        },
        {
            content: "Ask for a second Responsible (R) (a new line is Consulted by default)",
            trigger: ".o_kam_matrix_editor .o_kam_matrix_raci",
            run: "select responsible",
        },
        {
            content: "A second Responsible (R) is refused by the server",
            trigger: ".o_kam_matrix_editor .o_kam_matrix_save",
            run: "click",
        },
        {
            content: "The refusal shows as a notification, the editor stays open",
            trigger: ".o_notification:contains('already has someone responsible')",
        },
        {
            content: "Make it Consulted instead",
            trigger: ".o_kam_matrix_editor .o_kam_matrix_raci",
            run: "select consulted",
        },
        {
            trigger: ".o_kam_matrix_editor .o_kam_matrix_save:enabled",
            run: "click",
        },
        {
            content: "The cell has the R and the C line",
            trigger:
                ".o_kam_matrix_row:contains('Tour Matrix Co.') .o_kam_matrix_entry:contains('Tour Matrix Owner'):has(.o_kam_raci_consulted)",
        },
        {
            content: "The other user's account is not in the matrix",
            trigger: ".o_kam_matrix_table:not(:has(.o_kam_matrix_row:contains('Tour Matrix Hidden Co.')))",
        },
    ],
});
