import type { ViewStateInput } from '../emulator/slack/signing.ts';

/** What a user fills in the Suppress modal. */
export interface SuppressForm {
  reason: string;
  days?: string;
  date?: string | null;
  scope?: 'resource' | 'control';
}

/** The modal's state values as Slack sends them in a view_submission. */
export function suppressFormValues(form: SuppressForm): Record<string, Record<string, ViewStateInput>> {
  return {
    reason: { value: form.reason },
    expiry: {
      value: {
        type: 'static_select',
        selected_option: { value: form.days ?? '30', text: { type: 'plain_text', text: 'x' } },
      },
    },
    date: { value: { type: 'datepicker', selected_date: form.date ?? null } },
    scope: { value: { type: 'radio_buttons', selected_option: { value: form.scope ?? 'resource' } } },
  };
}
