/**
 * The ack benchmark's load generator, in its own process so its work (and the Slack emulator's)
 * does not delay the responses it times. Args: JSON { url, secret, responseBase, requests, concurrency,
 * warmup, channels, text }. Prints JSON { coldMs, times, statuses }.
 */
import { Agent, request } from 'node:http';
import pLimit from 'p-limit';
import { FORM_CONTENT_TYPE, signSlackRequest, slashCommandBody } from '../emulator/slack/signing.ts';

const o = JSON.parse(process.argv[2] ?? '{}') as {
  /** One URL per replica: requests go round-robin, as a load balancer would send them. */
  urls: string[];
  secret: string;
  responseBase: string;
  requests: number;
  concurrency: number;
  warmup: number;
  channels: string[];
  text: string;
};
const limit = pLimit(o.concurrency);
// node:http with kept-alive sockets rather than fetch: the load generator shares the machine with the
// bots it measures, so it should spend as little CPU per request as a real one (wrk, autocannon) does.
const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });

/** POSTs a signed form body; resolves with the status and the time to the response's headers. */
function postToBot(url: string, body: string, secret: string): Promise<{ status: number; ms: number }> {
  const headers = { 'content-type': FORM_CONTENT_TYPE, ...signSlackRequest(body, secret) };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      const ms = performance.now() - started;
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, ms }));
    });
    req.once('error', reject);
    req.end(body);
  });
}
let sent = 0;
async function send() {
  const i = sent++;
  const body = slashCommandBody({
    text: o.text,
    user_id: `U0BENCH${String(i % 50).padStart(4, '0')}`,
    channel_id: o.channels[i % o.channels.length] as string,
    response_url: `${o.responseBase}/bench-${i}`,
    trigger_id: `${i}.bench.${Date.now()}`,
  });
  return postToBot(o.urls[i % o.urls.length] as string, body, o.secret);
}
const coldMs = (await send()).ms;
await Promise.all(Array.from({ length: o.warmup - 1 }, () => limit(send)));
// The parent says when the warm-up's checks are answered; the measured requests start then.
process.stdout.write('WARM\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
const times: number[] = [];
const statuses: Record<number, number> = {};
const started = performance.now();
await Promise.all(
  Array.from({ length: o.requests }, () =>
    limit(async () => {
      const reply = await send();
      times.push(reply.ms);
      statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
    }),
  ),
);
process.stdout.write(JSON.stringify({ coldMs, times, statuses, wallMs: performance.now() - started }));
agent.destroy();
