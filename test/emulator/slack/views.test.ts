import type { View } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator, TRIGGER_ERRORS, TRIGGER_TTL_MS } from './server.ts';
import { client, expectSlackError, plain, workspace } from './test-helpers.ts';

let em: SlackEmulator;
let clock = Date.UTC(2025, 11, 1, 0, 0, 0);
beforeAll(async () => {
  em = await startSlackEmulator(workspace({ now: () => clock }));
});
afterAll(async () => {
  await em.close();
});

const errors = TRIGGER_ERRORS['method-reference'];

function modal(extra: Partial<View> = {}): View {
  return {
    type: 'modal',
    callback_id: 'suppress',
    title: plain('Suppress finding'),
    submit: plain('Suppress'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'reason',
        label: plain('Reason'),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 500 },
      },
    ],
    ...extra,
  } as View;
}

describe('views.open and trigger IDs', () => {
  it('opens a modal and returns its id and hash', async () => {
    // Act
    const res = await client(em).views.open({ trigger_id: em.mintTriggerId(), view: modal() });
    // Assess
    expect(res.view).toMatchObject({
      type: 'modal',
      callback_id: 'suppress',
      state: { values: {} },
      previous_view_id: null,
    });
    expect(res.view?.id).toMatch(/^V[A-Z0-9]{10}$/);
    expect(res.view?.root_view_id).toBe(res.view?.id);
    expect(res.view?.hash).toMatch(/^\d+\.[A-Za-z0-9]{8}$/);
  });

  it('accepts a trigger ID once', async () => {
    const trigger = em.mintTriggerId();
    await client(em).views.open({ trigger_id: trigger, view: modal() });
    await expectSlackError(client(em).views.open({ trigger_id: trigger, view: modal() }), errors.exchanged);
  });

  it('expires a trigger ID after 3 s', async () => {
    // Prepare
    const fresh = em.mintTriggerId();
    const stale = em.mintTriggerId();
    clock += TRIGGER_TTL_MS;
    // Act / Assess: exactly 3 s old still works, a moment later it does not
    await expect(client(em).views.open({ trigger_id: fresh, view: modal() })).resolves.toMatchObject({
      ok: true,
    });
    clock += 1;
    await expectSlackError(client(em).views.open({ trigger_id: stale, view: modal() }), errors.expired);
  });

  it('rejects trigger IDs it never minted, and a missing one', async () => {
    await expectSlackError(
      client(em).views.open({ trigger_id: '12345.98765.abcd2358fdea', view: modal() }),
      errors.invalid,
    );
    await expectSlackError(client(em).apiCall('views.open', { view: modal() }), 'invalid_arguments');
  });

  it('can use the interactivity guide error names instead', async () => {
    const guide = await startSlackEmulator(workspace({ triggerErrors: 'interactivity-guide' }));
    try {
      const trigger = guide.mintTriggerId();
      await client(guide).views.open({ trigger_id: trigger, view: modal() });
      await expectSlackError(
        client(guide).views.open({ trigger_id: trigger, view: modal() }),
        'trigger_exchanged',
      );
    } finally {
      await guide.close();
    }
  });

  it('does not spend the trigger on an invalid view', async () => {
    const trigger = em.mintTriggerId();
    await expectSlackError(
      client(em).views.open({ trigger_id: trigger, view: modal({ title: plain('x'.repeat(25)) }) }),
      'invalid_arguments',
    );
    await expect(client(em).views.open({ trigger_id: trigger, view: modal() })).resolves.toMatchObject({
      ok: true,
    });
  });
});

describe('views.update and views.push', () => {
  it('updates by view_id and by external_id, and checks the hash', async () => {
    // Prepare
    const web = client(em);
    const opened = await web.views.open({
      trigger_id: em.mintTriggerId(),
      view: modal({ external_id: 'suppress-1' }),
    });
    const id = opened.view?.id ?? '';
    // Act
    const byId = await web.views.update({
      view_id: id,
      hash: opened.view?.hash,
      view: modal({ title: plain('Working…') }),
    });
    const byExternal = await web.views.update({
      external_id: 'suppress-1',
      view: modal({ title: plain('Done') }),
    });
    // Assess
    expect(byId.view).toMatchObject({ id, title: plain('Working…'), external_id: 'suppress-1' });
    expect(byExternal.view).toMatchObject({ id, title: plain('Done') });
    expect(byId.view?.hash).not.toBe(opened.view?.hash);
    await expectSlackError(
      web.views.update({ view_id: id, hash: opened.view?.hash, view: modal() }),
      'hash_conflict',
    );
    await expectSlackError(web.views.update({ view_id: 'V0NOSUCH00', view: modal() }), 'not_found');
  });

  it('pushes at most 2 views onto a modal', async () => {
    // Prepare
    const web = client(em);
    const root = await web.views.open({ trigger_id: em.mintTriggerId(), view: modal() });
    const rootId = root.view?.id ?? '';
    // Act
    const first = await web.views.push({ trigger_id: em.mintTriggerId({ viewId: rootId }), view: modal() });
    const second = await web.views.push({ trigger_id: em.mintTriggerId({ viewId: rootId }), view: modal() });
    // Assess
    expect(first.view).toMatchObject({ root_view_id: rootId, previous_view_id: rootId });
    expect(second.view).toMatchObject({ root_view_id: rootId, previous_view_id: first.view?.id });
    await expectSlackError(
      web.views.push({ trigger_id: em.mintTriggerId({ viewId: rootId }), view: modal() }),
      'push_limit_reached',
    );
  });
});
