import type { IncomingMessage, ServerResponse } from 'node:http';
import { App } from '@slack/bolt';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { overdueAction } from '../document/digest-doc.ts';
import type { AwsPort } from '../engine/ports.ts';
import type { SlackEnv } from '../env.ts';
import type { Store } from '../store/store.ts';
import type { Suppression } from '../suppression/types.ts';
import { createAckFirst } from './ack-first.ts';
import { approvalLapsedNotifier, registerApprovals } from './approval.ts';
import { boltLogger } from './bolt-logger.ts';
import { type Asker, type DispatchDeps, handleSlashCommand, runForButton } from './dispatch.ts';
import { registerHome } from './home.ts';
import { createLanguageResolver } from './language.ts';
import { type ChannelPacer, createChannelPacer } from './pacer.ts';
import { createSlackSetupProbe, slackSettings } from './setup-probe.ts';
import { registerSuppression } from './suppress.ts';
import { createUserDirectory } from './users.ts';

export type SlackSurfaceDeps = Omit<DispatchDeps, 'resolveLanguage' | 'pace'> & {
  aws: AwsPort;
  now?: () => number;
};

export interface SlackAppHandle {
  app: App;
  mode: 'http' | 'socket';
  /** The one per-channel post pacer, shared with anything else that posts (the digest). */
  pace: ChannelPacer;
  /** For the suppression job: edits the approvers' message of a request it let lapse. */
  approvalLapsed(suppression: Suppression): Promise<void>;
  /** Resolves to the HTTP port listened on (HTTP mode), or null (Socket Mode). */
  start(): Promise<number | null>;
  stop(): Promise<void>;
}

/** How long a claimed trigger ID is remembered, to drop a retried delivery of the same request. */
const claimTtlMs = 60 * 60 * 1000;

function healthz(_req: IncomingMessage, res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"ok":true}');
}

/** Readiness for load balancers: 200 only while the store answers and its schema is current. */
function readyz(store: Pick<Store, 'ready'>) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    store.ready().then(
      (ready) => {
        res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: ready }));
      },
      () => {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"ok":false}');
      },
    );
  };
}

/** How long an idle HTTP connection stays open: longer than a load balancer's 60 s idle timeout. */
export const httpKeepAliveMs = 65_000;

/** The Bolt app: one `/fsbp` command; Socket Mode with an app token, else HTTP on /slack/events. */
export function createSlackApp(env: SlackEnv, deps: SlackSurfaceDeps, logger: Logger): SlackAppHandle {
  const clientOptions = env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {};
  const socket = Boolean(env.SLACK_APP_TOKEN);
  const app = socket
    ? new App({
        token: env.SLACK_BOT_TOKEN,
        appToken: env.SLACK_APP_TOKEN,
        socketMode: true,
        clientOptions,
        // The Socket Mode client opens its connection through its own Web API client.
        installerOptions: { clientOptions },
        logger: boltLogger(logger),
      })
    : new App({
        token: env.SLACK_BOT_TOKEN,
        signingSecret: env.SLACK_SIGNING_SECRET as string,
        endpoints: '/slack/events',
        customRoutes: [
          { path: '/healthz', method: ['GET'], handler: healthz },
          { path: '/readyz', method: ['GET'], handler: readyz(deps.store) },
        ],
        clientOptions,
        logger: boltLogger(logger),
      });

  const work = pLimit(env.FSBP_COMMAND_CONCURRENCY);
  const ackFirst = createAckFirst();
  const pace = createChannelPacer();
  const users = createUserDirectory({ client: app.client, logger, now: deps.now });
  const resolveLanguage = createLanguageResolver({
    store: deps.store,
    locale: (userId) => users.locale(userId),
    defaultLanguage: deps.config.defaultLanguage,
  });
  const dispatchDeps: DispatchDeps = {
    ...deps,
    services: {
      ...deps.services,
      // In Slack, who may suppress or lift is the policy's users and user groups.
      async suppression() {
        const base = await deps.services.suppression?.();
        if (!base) return undefined;
        return {
          ...base,
          mayModify: (userId: string) => users.mayModify(userId, deps.config.suppression),
          userName: (userId: string) => users.name(userId),
        };
      },
      // Who may switch a channel's digest: digest.managers, else the suppression policy.
      async digest() {
        const base = await deps.services.digest?.();
        if (!base) throw new Error('no digest services');
        const managers = deps.config.digest.managers ?? deps.config.suppression;
        return { ...base, mayManage: (userId: string) => users.mayModify(userId, managers) };
      },
      // Slack's side of doctor uses the bot's own settings; who may run it follows the suppression policy.
      async doctor() {
        const base = await deps.services.doctor?.();
        if (!base) throw new Error('doctor is not wired');
        return {
          ...base,
          slack: {
            probe: createSlackSetupProbe(env),
            settings: slackSettings(env),
            socketMode: Boolean(env.SLACK_APP_TOKEN),
          },
          mayRun: (userId: string) => users.mayModify(userId, deps.config.suppression),
        };
      },
    },
    resolveLanguage,
    pace,
  };

  app.command('/fsbp', async ({ command, ack, respond, client }) => {
    ackFirst.arrived();
    // Acknowledge first, before any lookup or AWS call: Slack gives us 3 seconds.
    await ack();
    // Commands run a few at a time after their ack, and not while more keep arriving: under a burst,
    // acknowledging every request within Slack's 3 seconds comes first.
    await work(async () => {
      await ackFirst.settled();
      if (!(await deps.store.claimOnce(`slash:${command.trigger_id}`, claimTtlMs))) {
        logger.info({ trigger: command.trigger_id }, 'duplicate delivery of a slash command ignored');
        return;
      }
      await handleSlashCommand(dispatchDeps, { command, respond, client });
    });
  });

  const suppressDeps = { ...deps, logger, resolveLanguage, users };
  registerSuppression(app, suppressDeps);
  registerApprovals(app, suppressDeps);
  registerHome(app, {
    ...deps,
    logger,
    resolveLanguage,
    mayModify: (userId) => users.mayModify(userId, deps.config.suppression),
    // A Home tab Re-check waits for a work slot like a typed command.
    runCheck: (asker, argv, label) =>
      work(async () => {
        await ackFirst.settled();
        await runForButton(dispatchDeps, asker, 'check', argv, label);
      }),
  });

  // The digest parent's overdue button: `overdue` for the clicker, privately, in the channel it was
  // clicked in (its accounts and SLA as configured now).
  app.action(overdueAction, async ({ ack, body, client, respond }) => {
    ackFirst.arrived();
    await ack();
    const channelId = body.type === 'block_actions' ? body.channel?.id : undefined;
    if (!channelId) return;
    const asker: Asker = {
      userId: body.user.id,
      channelId,
      client,
      respond: (message) => respond({ ...message, replace_original: false }),
    };
    await work(async () => {
      await ackFirst.settled();
      await runForButton(dispatchDeps, asker, 'overdue', { positionals: [], flags: {} }, 'overdue');
    });
  });

  app.error(async (error) => {
    logger.error(
      { err: error, code: (error as { code?: string }).code },
      'unhandled error in a Bolt listener',
    );
  });

  return {
    app,
    mode: socket ? 'socket' : 'http',
    pace,
    approvalLapsed: approvalLapsedNotifier(suppressDeps, app.client),
    async start() {
      if (socket) {
        await app.start();
        return null;
      }
      const server = await app.start(env.PORT);
      // A load balancer reuses its connections to the bot; if the bot closes an idle one first (Node's
      // default is after 5 s), a request sent on it meanwhile fails with a 502. AWS load balancers idle
      // out after 60 s by default, so the bot waits longer.
      server.keepAliveTimeout = httpKeepAliveMs;
      server.headersTimeout = httpKeepAliveMs + 1000;
      const address = server.address();
      return typeof address === 'object' && address ? address.port : env.PORT;
    },
    async stop() {
      await app.stop();
    },
  };
}
