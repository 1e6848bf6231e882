/**
 * The ack benchmark's load generator, in its own process so its work (and the Slack emulator's)
 * does not delay the responses it times. Args: JSON { urls, secret, users, responseUrls, requests, concurrency,
 * warmup, channels, text }. Prints JSON { coldMs, times, sentAt, ids, newConnections, startedEpochMs,
 * statuses, wallMs, cpuMs }.
 *
 * `concurrency` is a number of kept-alive connections, as in wrk or autocannon (and as a load balancer
 * keeps a pool to each target): connection k goes to replica k mod replicas and sends its next request
 * when the previous one is answered. The warm-up opens them all, so the measured requests reuse them.
 * A shared agent instead opened a new connection whenever one replica briefly had more requests in
 * flight than sockets; a busy Node server accepts one new connection per event-loop turn (libuv since
 * 1.45), so those few waited 150-450 ms and decided p99 on their own.
 */
import { Agent, request } from 'node:http';
import { FORM_CONTENT_TYPE, signSlackRequest, slashCommandBody } from '../emulator/slack/signing.ts';

const o = JSON.parse(process.argv[2] ?? '{}') as {
  /** One URL per replica. */
  urls: string[];
  secret: string;
  /** The people requests come from, in turn. */
  users: string[];
  responseUrls: string[];
  requests: number;
  concurrency: number;
  warmup: number;
  channels: string[];
  text: string;
};

// node:http with kept-alive sockets rather than fetch: the load generator shares the machine with the
// bots it measures, so it should spend as little CPU per request as a real one (wrk, autocannon) does.
const connections = Array.from({ length: o.concurrency }, (_, k) => ({
  url: o.urls[k % o.urls.length] as string,
  agent: new Agent({ keepAlive: true, maxSockets: 1 }),
}));
type Connection = (typeof connections)[number];

interface Reply {
  status: number;
  ms: number;
  /** The request went out on a connection opened for it. */
  fresh: boolean;
}

/** POSTs a signed form body; resolves with the status and the time to the response's headers. */
function postToBot(connection: Connection, body: string, id: number): Promise<Reply> {
  const headers = {
    'content-type': FORM_CONTENT_TYPE,
    // Lets the bot-side probe (ack-probe.mjs) line its timings up with these.
    'x-bench-id': String(id),
    ...signSlackRequest(body, o.secret),
  };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(connection.url, { method: 'POST', agent: connection.agent, headers }, (res) => {
      const ms = performance.now() - started;
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, ms, fresh: !req.reusedSocket }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

let sent = 0;
function send(connection: Connection): Promise<Reply> & { id: number } {
  const i = sent++;
  const body = slashCommandBody({
    text: o.text,
    user_id: o.users[i % o.users.length] as string,
    channel_id: o.channels[i % o.channels.length] as string,
    response_url: o.responseUrls[i] as string,
    trigger_id: `${i}.bench.${Date.now()}`,
  });
  return Object.assign(postToBot(connection, body, i), { id: i });
}

/** Sends `count` requests over the connections, each connection one at a time. */
async function load(
  over: Connection[],
  count: number,
  onReply: (reply: Reply, id: number, sentAt: number) => void,
) {
  let left = count;
  await Promise.all(
    over.map(async (connection) => {
      while (left > 0) {
        left--;
        const at = performance.now();
        const pending = send(connection);
        onReply(await pending, pending.id, at);
      }
    }),
  );
}

// Every connection is opened in the warm-up (the cold request opens the first), so each measured
// request finds its connection open.
if (o.warmup < o.concurrency) throw new Error('warmup must be at least concurrency');
const coldMs = (await send(connections[0] as Connection)).ms;
await load(connections.slice(1), o.warmup - 1, () => {});
// The parent says when the warm-up's checks are answered; the measured requests start then.
process.stdout.write('WARM\n');
await new Promise((resolve) => process.stdin.once('data', resolve));

const times: number[] = [];
/** When each measured request was sent, from the first one (ms): where in the burst the slow ones fall. */
const sentAt: number[] = [];
const ids: number[] = [];
/** Measured requests that went out on a new connection (a closed one reopened). */
let newConnections = 0;
const statuses: Record<number, number> = {};
const cpuAtStart = process.cpuUsage();
const started = performance.now();
const startedEpochMs = performance.timeOrigin + started;
await load(connections, o.requests, (reply, id, at) => {
  times.push(reply.ms);
  sentAt.push(at - started);
  ids.push(id);
  if (reply.fresh) newConnections++;
  statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
});
process.stdout.write(
  JSON.stringify({
    coldMs,
    times,
    sentAt,
    ids,
    newConnections,
    startedEpochMs,
    statuses,
    wallMs: performance.now() - started,
    cpuMs: (({ user, system }) => Math.round((user + system) / 1000))(process.cpuUsage(cpuAtStart)),
  }),
);
for (const { agent } of connections) agent.destroy();
