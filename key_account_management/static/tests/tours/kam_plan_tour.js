/** @odoo-module */

import { registry } from "@web/core/registry";

// A key account user creates a plan with a revenue objective and sees its
// progress measured from the account's orders.
registry.category("web_tour.tours").add("kam_plan_tour", {
    steps: () => [
        {
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='name'] input",
            run: "edit Tour plan 2027",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='partner_id'] input",
            run: "edit Tour Plan Co.",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour Plan Co.')",
            run: "click",
        },
        {
            content: "Add an objective",
            trigger: ".o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_data_row .o_field_widget[name='name'] input",
            run: "edit Grow revenue",
        },
        {
            trigger: ".o_data_row .o_field_widget[name='target'] input",
            run: "edit 1000",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Half of the target is reached by the order of this period",
            trigger: ".o_form_saved .o_data_row .o_field_widget[name='progress']:contains('50')",
        },
    ],
});
