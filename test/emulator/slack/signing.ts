// Requests INTO the bot, as Slack sends them: v0 signatures (platform-facts §12), slash command form bodies,
// `payload=` interactivity bodies and Events API JSON, shaped like the real payloads in shared/fixtures/real/slack.
import { createHmac, randomBytes } from 'node:crypto';
import { EMULATOR_IDS } from './workspace.ts';

/** Legacy verification token carried in payloads (24 characters like Slack's; Bolt ignores it). */
export const EMULATOR_VERIFICATION_TOKEN = 'EmuVerificationToken0001';

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
export const JSON_CONTENT_TYPE = 'application/json';
/** Bolt's HTTPReceiver compares the content type exactly, so no `; charset=…` is added (Slack adds none). */
export type BotContentType = typeof FORM_CONTENT_TYPE | typeof JSON_CONTENT_TYPE;

export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
}

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret. */
export function signSlackRequest(
  rawBody: string,
  signingSecret: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const hex = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
  return { 'x-slack-signature': `v0=${hex}`, 'x-slack-request-timestamp': String(timestamp) };
}

/** A trigger ID in Slack's format (`<digits>.<digits>.<32 hex>`); the emulator only accepts ones it minted. */
export function fakeTriggerId(): string {
  const digits = () => String(1e12 + Math.floor(Math.random() * 9e12));
  return `${digits()}.${digits()}.${randomBytes(16).toString('hex')}`;
}

function actionTs(): string {
  const micros = Date.now() * 1000 + Math.floor(Math.random() * 1000);
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}

export interface SlackUserRef {
  id: string;
  name?: string;
  team_id?: string;
}
export interface SlackChannelRef {
  id: string;
  name?: string;
}
export interface SlackTeamRef {
  id: string;
  domain?: string;
}

function userObject(user: string | SlackUserRef, teamId: string) {
  const u = typeof user === 'string' ? { id: user } : user;
  const name = u.name ?? u.id.toLowerCase();
  return { id: u.id, username: name, name, team_id: u.team_id ?? teamId };
}

function teamObject(team: SlackTeamRef | undefined) {
  return { id: team?.id ?? EMULATOR_IDS.teamId, domain: team?.domain ?? EMULATOR_IDS.teamDomain };
}

export interface SlashCommandOptions {
  command?: string;
  text?: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
  response_url: string;
  trigger_id?: string;
  api_app_id?: string;
  token?: string;
  is_enterprise_install?: boolean;
  /** Enterprise Grid installs add `enterprise_id` and `enterprise_name`. */
  enterprise?: { id: string; name: string };
}

/** A slash command body, form-encoded, with the field set and order of Slack's documented example. */
export function slashCommandBody(o: SlashCommandOptions): string {
  const fields: [string, string][] = [
    ['token', o.token ?? EMULATOR_VERIFICATION_TOKEN],
    ['team_id', o.team_id ?? EMULATOR_IDS.teamId],
    ['team_domain', o.team_domain ?? EMULATOR_IDS.teamDomain],
  ];
  if (o.enterprise) fields.push(['enterprise_id', o.enterprise.id], ['enterprise_name', o.enterprise.name]);
  fields.push(
    ['channel_id', o.channel_id],
    ['channel_name', o.channel_name ?? o.channel_id.toLowerCase()],
    ['user_id', o.user_id],
    ['user_name', o.user_name ?? o.user_id.toLowerCase()],
    ['command', o.command ?? '/fsbp'],
    ['text', o.text ?? ''],
    ['api_app_id', o.api_app_id ?? EMULATOR_IDS.appId],
    ['is_enterprise_install', String(o.is_enterprise_install ?? false)],
    ['response_url', o.response_url],
    ['trigger_id', o.trigger_id ?? fakeTriggerId()],
  );
  return new URLSearchParams(fields).toString();
}

/** `payload=<urlencoded JSON>`, the body of every interactivity request (block_actions, view_submission, …). */
export function interactionBody(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
export const blockActionsBody = interactionBody;
export const viewSubmissionBody = interactionBody;

export interface BlockActionOptions {
  user: string | SlackUserRef;
  channel: string | SlackChannelRef;
  message_ts: string;
  action_id: string;
  value?: string;
  block_id?: string;
  /** Button label (default: the value). */
  text?: string;
  trigger_id?: string;
  response_url: string;
  /** The message the button sits in (Slack sends it for non-ephemeral messages). */
  message?: Record<string, unknown>;
  is_ephemeral?: boolean;
  team?: SlackTeamRef;
  /** Merged into `actions[0]`, e.g. `{ type: 'static_select', selected_option: … }`. */
  action?: Record<string, unknown>;
  state?: Record<string, Record<string, unknown>>;
}

/** A block_actions payload for one button click, shaped like the captured heybot / bolt-python payloads. */
export function blockActionPayload(o: BlockActionOptions): Record<string, unknown> {
  const team = teamObject(o.team);
  const channel = typeof o.channel === 'string' ? { id: o.channel } : o.channel;
  const channelObj = { id: channel.id, name: channel.name ?? channel.id.toLowerCase() };
  const ephemeral = o.is_ephemeral ?? false;
  const blockId = o.block_id ?? 'actions';
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    user: userObject(o.user, team.id),
    api_app_id: EMULATOR_IDS.appId,
    token: EMULATOR_VERIFICATION_TOKEN,
    container: { type: 'message', message_ts: o.message_ts, channel_id: channel.id, is_ephemeral: ephemeral },
    trigger_id: o.trigger_id ?? fakeTriggerId(),
    team,
    enterprise: null,
    is_enterprise_install: false,
    channel: channelObj,
  };
  if (!ephemeral) {
    payload.message = o.message ?? {
      bot_id: EMULATOR_IDS.botId,
      type: 'message',
      text: '',
      user: EMULATOR_IDS.botUserId,
      ts: o.message_ts,
      app_id: EMULATOR_IDS.appId,
      team: team.id,
      blocks: [],
    };
  }
  payload.state = { values: o.state ?? {} };
  payload.response_url = o.response_url;
  payload.actions = [
    {
      action_id: o.action_id,
      block_id: blockId,
      text: { type: 'plain_text', text: o.text ?? o.value ?? o.action_id, emoji: true },
      ...(o.value !== undefined ? { value: o.value } : {}),
      type: 'button',
      action_ts: actionTs(),
      ...o.action,
    },
  ];
  return payload;
}

/** One input's state: a full Slack state value, or a string for a plain_text_input. */
export type ViewStateInput = string | ({ type: string } & Record<string, unknown>);

export interface ViewSubmissionOptions {
  user: string | SlackUserRef;
  callback_id: string;
  private_metadata?: string;
  /** `state.values`: block_id → action_id → value. */
  values: Record<string, Record<string, ViewStateInput>>;
  view_id: string;
  /** Other view fields (blocks, title, hash, root_view_id, …), e.g. the view the emulator returned. */
  view?: Record<string, unknown>;
  trigger_id?: string;
  team?: SlackTeamRef;
  response_urls?: { block_id: string; action_id: string; channel_id: string; response_url: string }[];
}

/** A view_submission payload, shaped like the captured heybot / bolt-python payloads. */
export function viewSubmissionPayload(o: ViewSubmissionOptions): Record<string, unknown> {
  const team = teamObject(o.team);
  const values: Record<string, Record<string, unknown>> = {};
  for (const [blockId, actions] of Object.entries(o.values)) {
    const block: Record<string, unknown> = {};
    for (const [actionId, v] of Object.entries(actions)) {
      block[actionId] = typeof v === 'string' ? { type: 'plain_text_input', value: v } : v;
    }
    values[blockId] = block;
  }
  const view = {
    team_id: team.id,
    type: 'modal',
    blocks: [],
    private_metadata: '',
    hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
    title: { type: 'plain_text', text: 'FSBP', emoji: true },
    clear_on_close: false,
    notify_on_close: false,
    close: { type: 'plain_text', text: 'Cancel', emoji: true },
    submit: { type: 'plain_text', text: 'Submit', emoji: true },
    previous_view_id: null,
    root_view_id: o.view_id,
    app_id: EMULATOR_IDS.appId,
    external_id: '',
    app_installed_team_id: team.id,
    bot_id: EMULATOR_IDS.botId,
    ...o.view,
    id: o.view_id,
    callback_id: o.callback_id,
    ...(o.private_metadata !== undefined ? { private_metadata: o.private_metadata } : {}),
    state: { values },
  };
  return {
    type: 'view_submission',
    team,
    user: userObject(o.user, team.id),
    api_app_id: EMULATOR_IDS.appId,
    token: EMULATOR_VERIFICATION_TOKEN,
    trigger_id: o.trigger_id ?? fakeTriggerId(),
    view,
    response_urls: o.response_urls ?? [],
    enterprise: null,
    is_enterprise_install: false,
  };
}

/** An Events API `event_callback` envelope (JSON body) around `event`. */
export function eventCallbackPayload(o: {
  event: Record<string, unknown>;
  team_id?: string;
  event_id?: string;
  event_time?: number;
}): Record<string, unknown> {
  const teamId = o.team_id ?? EMULATOR_IDS.teamId;
  return {
    token: EMULATOR_VERIFICATION_TOKEN,
    team_id: teamId,
    api_app_id: EMULATOR_IDS.appId,
    event: o.event,
    type: 'event_callback',
    event_id: o.event_id ?? `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: o.event_time ?? Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: EMULATOR_IDS.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

export function urlVerificationPayload(challenge: string): Record<string, unknown> {
  return { token: EMULATOR_VERIFICATION_TOKEN, challenge, type: 'url_verification' };
}

export interface PostToBotOptions {
  secret: string;
  /** Default: form for strings starting with `payload=` or slash-command fields, JSON otherwise. */
  contentType?: BotContentType;
  timestamp?: number;
  headers?: Record<string, string>;
}

export interface BotReply {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** Milliseconds until the HTTP response (status line and headers) arrived. */
  ms: number;
}

/** POSTs a signed raw body to the bot's `/slack/events` URL. Objects are sent as JSON (Events API). */
export async function postToBot(url: string, body: string | object, o: PostToBotOptions): Promise<BotReply> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const contentType = o.contentType ?? (typeof body === 'string' ? FORM_CONTENT_TYPE : JSON_CONTENT_TYPE);
  const headers = {
    'content-type': contentType,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    accept: 'application/json,*/*',
    ...signSlackRequest(raw, o.secret, o.timestamp),
    ...o.headers,
  };
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body: raw });
  const ms = performance.now() - started;
  return { status: res.status, body: await res.text(), headers: Object.fromEntries(res.headers), ms };
}
