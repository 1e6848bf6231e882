/**
 * The ack benchmark's load generator, in its own process so its work (and the Slack emulator's)
 * does not delay the responses it times. Args: JSON { url, secret, responseBase, requests, concurrency,
 * warmup, channels, text }. Prints JSON { coldMs, times, statuses }.
 */
import pLimit from 'p-limit';
import { postToBot, slashCommandBody } from '../emulator/slack/signing.ts';

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
  return postToBot(o.urls[i % o.urls.length] as string, body, { secret: o.secret });
}
const coldMs = (await send()).ms;
await Promise.all(Array.from({ length: o.warmup - 1 }, () => limit(send)));
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
