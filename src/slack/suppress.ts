import { randomUUID } from 'node:crypto';
import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { i18n } from 'i18next';
import type { Logger } from 'pino';
import { z } from 'zod';
import { digestItemDoc } from '../../commands/digest-render.ts';
import { errorMessage } from '../../commands/errors.ts';
import {
  type FormErrors,
  parseSuppressForm,
  type SuppressOutcome,
  suppressDigestItem,
} from '../../commands/suppress.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { Config } from '../config/schema.ts';
import type { AwsPort } from '../engine/ports.ts';
import { asAppError } from '../errors.ts';
import { type Language, languagesFor } from '../i18n/index.ts';
import type { DigestItem, Store, Suppression } from '../store/store.ts';
import { docToBlocks, fallbackText, paginateBlocks } from './blocks/doc-to-blocks.ts';
import type { LanguageResolver } from './language.ts';
import type { UserDirectory } from './users.ts';
import {
  formBlocks,
  type ModalLanguage,
  messageModal,
  readSuppressForm,
  suppressCallbackId,
  suppressModal,
} from './views/suppress-modal.ts';

export interface SuppressSurfaceDeps {
  config: Config;
  catalog: Catalog;
  i18n: i18n;
  store: Store;
  aws: AwsPort;
  logger: Logger;
  resolveLanguage: LanguageResolver;
  users: UserDirectory;
  now?: () => number;
}

/** A button value is a 16-character key into the store; anything else is refused unread. */
const ItemKey = z.string().regex(/^[\w-]{16}$/);

const ended = (s: Suppression) => s.state === 'expired' || s.state === 'lifted';

function modalLanguage(
  deps: SuppressSurfaceDeps,
  preference: Parameters<typeof languagesFor>[0],
): ModalLanguage {
  return { langs: languagesFor(preference), t: (lang: Language) => deps.i18n.getFixedT(lang) };
}

/** Both languages, for refusals: whoever reads it understands one of them. */
const bilingual = (deps: SuppressSurfaceDeps) => modalLanguage(deps, 'both');

function say(l: ModalLanguage, key: string, params: Record<string, unknown> = {}): string[] {
  return l.langs.map((lang) => l.t(lang)(key, params));
}

/** What a record says to a user who finds the reply already handled. */
function statusLines(l: ModalLanguage, s: Suppression): string[] {
  if (ended(s)) return say(l, 'suppress.alreadyEnded', { id: s.id, state: s.state });
  return say(l, 'suppress.already', {
    id: s.id,
    user: s.userName,
    date: s.expiresAt.slice(0, 10),
    reason: s.reason,
  });
}

function outcomeLines(l: ModalLanguage, outcome: SuppressOutcome): string[] {
  const s = outcome.suppression;
  if (outcome.busy) return say(l, 'suppress.busy', { id: s.id });
  if (!outcome.created) return statusLines(l, s);
  if (s.findings.length === 0) return say(l, 'suppress.nothingFailing', { id: s.id });
  const lines = say(l, 'suppress.done', {
    id: s.id,
    count: s.updated.length,
    date: s.expiresAt.slice(0, 10),
  });
  if (s.failed.length > 0) {
    lines.push(...say(l, 'suppress.unprocessed', { count: s.failed.length }));
    for (const f of s.failed.slice(0, 20)) {
      lines.push(`• ${outcome.resourceOf.get(f.id) ?? f.id}: ${f.code} ${f.message}`.slice(0, 300));
    }
    if (s.failed.length > 20) lines.push(`… +${s.failed.length - 20}`);
  }
  return lines;
}

function formErrors(deps: SuppressSurfaceDeps, l: ModalLanguage, errors: FormErrors): Record<string, string> {
  return Object.fromEntries(
    Object.entries(errors).map(([field, e]) => [
      formBlocks[field as keyof typeof formBlocks],
      l.langs.map((lang) => deps.i18n.getFixedT(lang)(e.key, e.params ?? {})).join(' / '),
    ]),
  );
}

/** The digest reply, re-rendered with who suppressed it and why; its button is gone. */
async function markReplySuppressed(
  deps: SuppressSurfaceDeps,
  client: WebClient,
  item: DigestItem,
  suppression: Suppression,
) {
  if (!item.ts || !suppression.channel) return;
  const language = deps.config.channels.find((c) => c.id === suppression.channel)?.digest.language ?? 'both';
  const doc = digestItemDoc(item, deps.catalog, (lang) => deps.i18n.getFixedT(lang), language, suppression);
  await client.chat.update({
    channel: suppression.channel,
    ts: item.ts,
    text: fallbackText(doc),
    blocks: paginateBlocks(docToBlocks(doc))[0] ?? [],
  });
}

async function permalinkOf(
  client: WebClient,
  channel: string | null,
  ts: string | null,
): Promise<string | null> {
  if (!channel || !ts) return null;
  const answer = await client.chat.getPermalink({ channel, message_ts: ts }).catch(() => null);
  return answer?.permalink ?? null;
}

/**
 * The Suppress button and its modal. The click opens the modal at once (Slack's trigger lasts 3
 * seconds; no AWS call before it); the submit is validated inline, checked against the policy, then
 * acknowledged and applied, and the modal shows the outcome.
 */
export function registerSuppression(app: App, deps: SuppressSurfaceDeps): void {
  const policy = deps.config.suppression;
  const now = deps.now ?? Date.now;

  app.action('suppress_open', async ({ ack, body, client, action }) => {
    await ack();
    if (body.type !== 'block_actions') return;
    const key = ItemKey.safeParse('value' in action ? action.value : undefined);
    const l = modalLanguage(deps, await deps.resolveLanguage(body.user.id));
    let view: ReturnType<typeof messageModal>;
    if (!key.success) {
      view = messageModal(bilingual(deps), say(bilingual(deps), 'errors.suppression_target_gone'));
    } else {
      const item = await deps.store.digestItem(key.data);
      const existing = item ? await deps.store.suppressionForRequest(`digest-item:${item.key}`) : null;
      view = !item
        ? messageModal(l, say(l, 'errors.suppression_target_gone'))
        : existing
          ? messageModal(l, statusLines(l, existing))
          : suppressModal(l, item, deps.catalog.find(item.controlId), policy);
    }
    await client.views
      .open({ trigger_id: body.trigger_id, view })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'views.open failed'));
  });

  app.view(suppressCallbackId, async ({ ack, body, view, client }) => {
    const userId = body.user.id;
    const l = modalLanguage(deps, await deps.resolveLanguage(userId));
    const form = parseSuppressForm(readSuppressForm(view.state.values), policy, now());
    if (!form.ok) {
      await ack({ response_action: 'errors', errors: formErrors(deps, l, form.errors) });
      return;
    }
    if (!(await deps.users.mayModify(userId, policy))) {
      deps.logger.info(
        { user: userId },
        'suppression refused: not in suppression.allowedUsers or allowedUserGroups',
      );
      await ack({
        response_action: 'update',
        view: messageModal(bilingual(deps), say(bilingual(deps), 'suppress.notAllowed')),
      });
      return;
    }
    await ack({ response_action: 'update', view: messageModal(l, say(l, 'suppress.working')) });
    let lines: string[];
    try {
      const key = ItemKey.parse(view.private_metadata);
      const item = await deps.store.digestItem(key);
      const run = item ? await deps.store.digestRun(item.runId) : null;
      const outcome = await suppressDigestItem(
        { config: deps.config, store: deps.store, aws: deps.aws, now },
        {
          ...form.value,
          itemKey: key,
          userId,
          userName: await deps.users.name(userId),
          permalink: await permalinkOf(client, run?.channel ?? null, item?.ts ?? null),
        },
        // One holder per submit: two submits of the same request, even in one process, never both apply.
        randomUUID(),
      );
      lines = outcomeLines(l, outcome);
      if (outcome.created && outcome.suppression.updated.length > 0) {
        await markReplySuppressed(deps, client, outcome.item, outcome.suppression).catch((error: unknown) =>
          deps.logger.warn({ err: error }, 'could not update the digest reply'),
        );
      }
    } catch (error) {
      const appError = asAppError(error);
      deps.logger[appError.code === 'internal' ? 'error' : 'info'](
        { err: appError, code: appError.code, user: userId },
        'suppression failed',
      );
      lines = [errorMessage(appError, deps.i18n)];
    }
    await client.views
      .update({ view_id: view.id, view: messageModal(l, lines) })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'views.update of the outcome failed'));
  });
}
