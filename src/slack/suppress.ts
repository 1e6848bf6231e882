import { randomUUID } from 'node:crypto';
import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { i18n } from 'i18next';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Catalog } from '../catalog/catalog.ts';
import type { Config } from '../config/schema.ts';
import { digestItemDoc } from '../document/digest-doc.ts';
import { bold, note } from '../document/doc.ts';
import { errorMessage } from '../document/error-doc.ts';
import type { AwsPort } from '../engine/ports.ts';
import { AppError, asAppError } from '../errors.ts';
import { type Language, languagesFor } from '../i18n/index.ts';
import type { AccountDirectory } from '../organization/directory.ts';
import type { Store } from '../store/store.ts';
import type { CommandServices } from '../subcommand/define.ts';
import { maxApprovedReasonLength } from '../suppression/apply.ts';
import { approvalPolicyFor, needsApproval } from '../suppression/approval.ts';
import {
  assertTargetInChannel,
  type FormErrors,
  parseSuppressForm,
  requestKeyOf,
  type SuppressOutcome,
  suppressTarget,
  suppressTargetFor,
} from '../suppression/request.ts';
import { endedStates, type Suppression, type SuppressTarget } from '../suppression/types.ts';
import { postApprovalRequest } from './approval.ts';
import { docToBlocks, fallbackText, paginateBlocks } from './blocks/doc-to-blocks.ts';
import { membership } from './home.ts';
import type { LanguageResolver } from './language.ts';
import type { UserDirectory } from './users.ts';
import {
  formBlocks,
  type ModalLanguage,
  messageModal,
  readSuppressForm,
  readSuppressMetadata,
  say,
  sayEach,
  suppressCallbackId,
  suppressModal,
} from './views/suppress-modal.ts';

export interface SuppressSurfaceDeps {
  config: Config;
  accounts: AccountDirectory;
  catalog: Catalog;
  i18n: i18n;
  store: Store;
  aws: AwsPort;
  logger: Logger;
  resolveLanguage: LanguageResolver;
  users: UserDirectory;
  now?: () => number;
  /** The catalog as AWS has it, so a reply about a control the catalog lacks keeps AWS's text. */
  services?: Pick<CommandServices, 'controls'>;
}

/** A button value is a 16-character key into the store; anything else is refused unread. */
const ItemKey = z.string().regex(/^[\w-]{16}$/);

const ended = (s: Suppression) => endedStates.includes(s.state);

function modalLanguage(
  deps: SuppressSurfaceDeps,
  preference: Parameters<typeof languagesFor>[0],
): ModalLanguage {
  return { langs: languagesFor(preference), t: (lang: Language) => deps.i18n.getFixedT(lang) };
}

/** Both languages, for refusals: whoever reads it understands one of them. */
const bilingual = (deps: SuppressSurfaceDeps) => modalLanguage(deps, 'both');

/** What a record says to a user who finds the reply already handled. */
function statusLines(l: ModalLanguage, s: Suppression): string[] {
  if (ended(s)) {
    return l.langs.map((lang) =>
      l.t(lang)('suppress.alreadyEnded', { id: s.id, state: l.t(lang)(`suppressions.state.${s.state}`) }),
    );
  }
  if (s.state === 'awaiting_approval') {
    return sayEach(l, 'approval.already', {
      id: s.id,
      user: s.userName,
      date: (s.approval?.expiresAt ?? '').slice(0, 10),
      reason: s.reason,
    });
  }
  return sayEach(l, 'suppress.already', {
    id: s.id,
    user: s.userName,
    date: s.expiresAt.slice(0, 10),
    reason: s.reason,
  });
}

function outcomeLines(l: ModalLanguage, outcome: SuppressOutcome): string[] {
  const s = outcome.suppression;
  if (outcome.busy) return sayEach(l, 'suppress.busy', { id: s.id });
  if (!outcome.created) return statusLines(l, s);
  if (s.state === 'awaiting_approval') {
    const hours = s.approval
      ? Math.round((Date.parse(s.approval.expiresAt) - Date.parse(s.createdAt)) / (60 * 60 * 1000))
      : 0;
    return sayEach(l, 'approval.requested', {
      id: s.id,
      count: s.findings.length,
      date: s.expiresAt.slice(0, 10),
      hours,
    });
  }
  const lines = sayEach(l, 'suppress.done', {
    id: s.id,
    count: s.updated.length,
    date: s.expiresAt.slice(0, 10),
  });
  if (s.failed.length > 0) {
    lines.push(...sayEach(l, 'suppress.unprocessed', { count: s.failed.length }));
    for (const f of s.failed.slice(0, 20)) {
      // AWS's error code only: its message stays in the record and the log.
      lines.push(`• ${outcome.resourceOf.get(f.id) ?? f.id}: ${f.code}`.slice(0, 300));
    }
    if (s.failed.length > 20) lines.push(`… +${s.failed.length - 20}`);
  }
  return lines;
}

function formErrors(l: ModalLanguage, errors: FormErrors): Record<string, string> {
  return Object.fromEntries(
    Object.entries(errors).map(([field, e]) => [
      formBlocks[field as keyof typeof formBlocks],
      say(l, e.key, e.params),
    ]),
  );
}

/**
 * Tells the channel: a digest reply is re-rendered in place with who suppressed it and why (its button
 * gone); a check result, which cannot be re-rendered, gets the same line in its thread.
 */
export async function announceSuppression(
  deps: SuppressSurfaceDeps,
  client: WebClient,
  target: SuppressTarget,
  suppression: Suppression,
) {
  if (!target.ts || !target.channel) return;
  const language = deps.config.channels.find((c) => c.id === target.channel)?.digest.language ?? 'both';
  const t = (lang: Language) => deps.i18n.getFixedT(lang);
  const item = target.kind === 'digest' ? await deps.store.digestItem(target.key) : null;
  if (item) {
    const live = await deps.services
      ?.controls?.()
      .then((c) => c.catalog.cached())
      .catch(() => undefined);
    const doc = digestItemDoc(item, live ?? deps.catalog, t, language, suppression);
    await client.chat.update({
      channel: target.channel,
      ts: target.ts,
      text: fallbackText(doc),
      blocks: paginateBlocks(docToBlocks(doc))[0] ?? [],
    });
    return;
  }
  const doc = [
    note(
      ...languagesFor(language).map((lang) => [
        bold(
          `${target.controlId} ${target.accountId} ${target.region}: ${t(lang)('digest.suppressedBy', {
            user: suppression.userName,
            date: suppression.expiresAt.slice(0, 10),
            count: suppression.updated.length,
          })}`,
        ),
        ` ${suppression.reason}`,
      ]),
    ),
  ];
  await client.chat.postMessage({
    channel: target.channel,
    thread_ts: target.ts,
    text: fallbackText(doc),
    blocks: docToBlocks(doc),
  });
}

async function permalinkOf(client: WebClient, target: SuppressTarget): Promise<string | null> {
  if (!target.channel || !target.ts) return null;
  const answer = await client.chat
    .getPermalink({ channel: target.channel, message_ts: target.ts })
    .catch(() => null);
  return answer?.permalink ?? null;
}

/** Why a click or a submit did nothing: a bug is an error, a button used out of place a warning. */
export function logRefusal(deps: SuppressSurfaceDeps, error: AppError, user: string, channel: string | null) {
  const level =
    error.code === 'internal'
      ? 'error'
      : error.code === 'suppress_target_elsewhere' || error.code === 'suppression_conflict'
        ? 'warn'
        : 'info';
  deps.logger[level]({ err: error, code: error.code, user, channel }, 'suppression refused or failed');
}

/**
 * The Suppress button and its modal. The click opens the modal at once (Slack's trigger lasts 3
 * seconds; no AWS call before it); the submit is validated inline, checked against the policy, then
 * acknowledged and applied, and the modal shows the outcome.
 */
export function registerSuppression(app: App, deps: SuppressSurfaceDeps): void {
  const policy = deps.config.suppression;
  const now = deps.now ?? Date.now;
  const membersOf = membership(app.client, now);

  app.action('suppress_open', async ({ ack, body, client, action }) => {
    await ack();
    if (body.type !== 'block_actions') return;
    const key = ItemKey.safeParse('value' in action ? action.value : undefined);
    let channel = body.channel?.id ?? '';
    const l = modalLanguage(deps, await deps.resolveLanguage(body.user.id));
    let view: ReturnType<typeof messageModal>;
    try {
      if (!key.success) throw new AppError('suppression_target_gone', 'button value is not a key');
      const item = await suppressTargetFor(deps.store, key.data);
      // A Home tab button has no channel of its own: it acts for its target's channel, and only for a
      // member of that channel (as the Home tab shows only those channels' accounts).
      const fromHome = body.container?.type === 'view';
      if (fromHome && item.channel) {
        const members = await membersOf(item.channel).catch(() => new Set<string>());
        channel = members.has(body.user.id) ? item.channel : '';
      }
      assertTargetInChannel(deps.config, await deps.accounts.view(), item, channel);
      const existing = await deps.store.suppressionForRequest(requestKeyOf(item));
      if (item.kind === 'check' && !item.ts) {
        // A check result's button: its thread is where the outcome will be told.
        const message = (body as { message?: { ts?: string; thread_ts?: string } }).message;
        const ts = message?.thread_ts ?? message?.ts ?? body.container?.message_ts;
        if (ts) await deps.store.setCheckTargetMessage(item.key, ts);
      }
      const control = deps.catalog.find(item.controlId);
      // The control's severity decides at the click (the findings' own labels may raise it at the submit).
      const severity = control?.severity ?? null;
      const approval = needsApproval(approvalPolicyFor(deps.config, item.channel), severity)
        ? severity
        : null;
      view = existing
        ? messageModal(l, statusLines(l, existing))
        : suppressModal(l, item, control, policy, channel, approval, fromHome);
    } catch (error) {
      const appError = asAppError(error);
      logRefusal(deps, appError, body.user.id, channel);
      view = messageModal(bilingual(deps), [errorMessage(appError, deps.i18n)]);
    }
    await client.views
      .open({ trigger_id: body.trigger_id, view })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'views.open failed'));
  });

  app.view(suppressCallbackId, async ({ ack, body, view, client }) => {
    const userId = body.user.id;
    const l = modalLanguage(deps, await deps.resolveLanguage(userId));
    // A modal opened for a request for approval leaves room in the note for the approver's name.
    const shorter = (() => {
      try {
        return readSuppressMetadata(view.private_metadata).approval;
      } catch {
        return false;
      }
    })();
    const form = parseSuppressForm(
      readSuppressForm(view.state.values),
      shorter ? { ...policy, maxReasonLength: maxApprovedReasonLength } : policy,
      now(),
    );
    if (!form.ok) {
      await ack({ response_action: 'errors', errors: formErrors(l, form.errors) });
      return;
    }
    if (!(await deps.users.mayModify(userId, policy))) {
      deps.logger.info(
        { user: userId },
        'suppression refused: not in suppression.allowedUsers or allowedUserGroups',
      );
      await ack({
        response_action: 'update',
        view: messageModal(bilingual(deps), sayEach(bilingual(deps), 'suppress.notAllowed')),
      });
      return;
    }
    await ack({ response_action: 'update', view: messageModal(l, sayEach(l, 'suppress.working')) });
    let lines: string[];
    try {
      const metadata = readSuppressMetadata(view.private_metadata);
      // From the Home tab: still a member of the target's channel now, read afresh (not the cache).
      if (metadata.fromHome) {
        const members = await membersOf(metadata.channel, 0).catch(() => new Set<string>());
        if (!members.has(userId)) {
          throw new AppError(
            'suppress_target_elsewhere',
            `${userId} submitted a Home tab suppression for ${metadata.channel} without being a member`,
          );
        }
      }
      const outcome = await suppressTarget(
        {
          config: deps.config,
          accounts: deps.accounts,
          catalog: deps.catalog,
          store: deps.store,
          aws: deps.aws,
          now,
        },
        {
          ...form.value,
          key: metadata.key,
          channel: metadata.channel,
          userId,
          userName: await deps.users.name(userId),
          permalinkOf: (target) => permalinkOf(client, target),
        },
        // One holder per submit: two submits of the same request, even in one process, never both apply.
        randomUUID(),
      );
      lines = outcomeLines(l, outcome);
      if (outcome.suppression.failed.length > 0) {
        deps.logger.warn(
          { suppression: outcome.suppression.id, failed: outcome.suppression.failed },
          'Security Hub left findings unprocessed',
        );
      }
      if (outcome.created && outcome.suppression.state === 'awaiting_approval') {
        await postApprovalRequest(deps, client, outcome.suppression).catch((error: unknown) =>
          deps.logger.warn({ err: error }, 'could not post the request for approval'),
        );
      }
      if (outcome.created && outcome.suppression.updated.length > 0) {
        await announceSuppression(deps, client, outcome.target, outcome.suppression).catch((error: unknown) =>
          deps.logger.warn({ err: error }, 'could not tell the channel about the suppression'),
        );
      }
    } catch (error) {
      const appError = asAppError(error);
      logRefusal(deps, appError, userId, null);
      lines = [errorMessage(appError, deps.i18n)];
    }
    await client.views
      .update({ view_id: view.id, view: messageModal(l, lines) })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'views.update of the outcome failed'));
  });
}
