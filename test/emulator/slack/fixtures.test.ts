// Checks the request builders against real Slack payloads kept outside this repo (shared/fixtures/real/slack).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  blockActionPayload,
  blockActionsBody,
  eventCallbackPayload,
  slashCommandBody,
  urlVerificationPayload,
  viewSubmissionPayload,
} from './signing.ts';

const dir = fileURLToPath(new URL('../../../../shared/fixtures/real/slack/', import.meta.url));
const present = existsSync(dir);
if (!present) console.warn(`[slack fixtures] ${dir} not found: skipping the real-payload comparison`);

type Json = Record<string, unknown>;

const keys = (o: unknown): string[] => Object.keys((o ?? {}) as Json).sort();
const asJson = (o: unknown): Json => (o ?? {}) as Json;

/** Top-level keys Bolt reads to route and authorize each payload type. */
const BOLT_NEEDS: Record<string, string[]> = {
  block_actions: ['type', 'user', 'team', 'actions', 'container', 'trigger_id', 'response_url', 'api_app_id'],
  view_submission: ['type', 'user', 'team', 'view', 'trigger_id', 'api_app_id'],
  event_callback: ['type', 'team_id', 'api_app_id', 'event', 'event_id', 'event_time'],
  url_verification: ['type', 'challenge'],
};

/** Keys our builders add that older captures lack (newer Slack payloads carry them). */
const NEWER_KEYS: Record<string, string[]> = {
  slash_command: ['api_app_id', 'is_enterprise_install'],
  block_actions: ['enterprise', 'is_enterprise_install', 'state', 'channel', 'message'],
  view_submission: ['enterprise', 'is_enterprise_install'],
};

function build(real: Json): Json {
  const user = asJson(real.user);
  const team = asJson(real.team);
  switch (real.type) {
    case 'block_actions': {
      const container = asJson(real.container);
      const action = asJson((real.actions as unknown[])[0]);
      return blockActionPayload({
        user: { id: String(user.id), name: String(user.username) },
        channel: String(asJson(real.channel).id ?? container.channel_id ?? 'C111'),
        message_ts: String(container.message_ts ?? '1.2'),
        action_id: String(action.action_id),
        ...(action.value !== undefined ? { value: String(action.value) } : {}),
        block_id: String(action.block_id),
        is_ephemeral: container.is_ephemeral === true,
        ...(real.message ? { message: asJson(real.message) } : {}),
        team: { id: String(team.id), domain: String(team.domain) },
        trigger_id: String(real.trigger_id),
        response_url: String(real.response_url),
      });
    }
    case 'view_submission': {
      const view = asJson(real.view);
      return viewSubmissionPayload({
        user: { id: String(user.id), name: String(user.username) },
        callback_id: String(view.callback_id),
        values: (asJson(view.state).values ?? {}) as never,
        view_id: String(view.id),
        team: { id: String(team.id), domain: String(team.domain) },
      });
    }
    case 'event_callback':
      return eventCallbackPayload({ event: asJson(real.event), team_id: String(real.team_id) });
    case 'url_verification':
      return urlVerificationPayload(String(real.challenge));
    default:
      throw new Error(`no builder for payload type ${String(real.type)}`);
  }
}

function checkJsonPayload(real: Json): void {
  const ours = build(real);
  const type = String(real.type);
  expect(ours.type).toBe(real.type);
  for (const key of BOLT_NEEDS[type] ?? []) {
    expect(real, `fixture has ${key}`).toHaveProperty(key);
    expect(ours, `builder has ${key}`).toHaveProperty(key);
  }
  const newer = NEWER_KEYS[type];
  if (!newer) return;
  // Same top-level field set, up to fields that newer payloads add.
  const missing = keys(real).filter((k) => !(k in ours));
  const extra = keys(ours).filter((k) => !(k in real) && !newer.includes(k));
  expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  // Nested objects Bolt reads: no field of the real payload is missing from ours.
  const nested: [unknown, unknown][] = [[real.user, ours.user]];
  if (type === 'block_actions') {
    nested.push([(real.actions as unknown[])[0], (ours.actions as unknown[])[0]]);
    // Attachment containers (legacy) carry attachment fields our builder does not make.
    if (asJson(real.container).type === 'message' && asJson(real.container).message_ts)
      nested.push([real.container, ours.container]);
  }
  if (type === 'view_submission') nested.push([real.view, ours.view]);
  for (const [r, o] of nested) expect(keys(r).filter((k) => !(k in asJson(o)))).toEqual([]);
}

describe.skipIf(!present)('builders vs real Slack payloads', () => {
  const files = present ? readdirSync(dir).filter((f) => f.endsWith('.form') || f.endsWith('.json')) : [];

  it('finds the fixtures', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s', (file) => {
    const raw = readFileSync(`${dir}${file}`, 'utf8').trim();
    if (file.endsWith('.json')) return checkJsonPayload(JSON.parse(raw) as Json);
    const form = new URLSearchParams(raw);
    const payload = form.get('payload');
    if (payload !== null) {
      expect([...form.keys()]).toEqual(['payload']);
      const real = JSON.parse(payload) as Json;
      expect([...new URLSearchParams(blockActionsBody(build(real))).keys()]).toEqual(['payload']);
      return checkJsonPayload(real);
    }
    // A slash command: same fields (Grid installs add enterprise_*; older captures lack the newer ones).
    const enterpriseId = form.get('enterprise_id');
    const ours = new URLSearchParams(
      slashCommandBody({
        command: form.get('command') ?? '/fsbp',
        text: form.get('text') ?? '',
        user_id: form.get('user_id') ?? '',
        channel_id: form.get('channel_id') ?? '',
        response_url: form.get('response_url') ?? '',
        ...(enterpriseId
          ? { enterprise: { id: enterpriseId, name: form.get('enterprise_name') ?? '' } }
          : {}),
      }),
    );
    const realKeys = [...form.keys()];
    const ourKeys = [...ours.keys()];
    expect(realKeys.filter((k) => !ourKeys.includes(k))).toEqual([]);
    expect(ourKeys.filter((k) => !realKeys.includes(k) && !NEWER_KEYS.slash_command?.includes(k))).toEqual(
      [],
    );
    expect(ours.get('command')).toBe(form.get('command'));
    expect(ours.get('text')).toBe(form.get('text'));
  });
});
