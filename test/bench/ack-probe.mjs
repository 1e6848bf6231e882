/**
 * Loaded into the measured bot (`node --import ./ack-probe.mjs`) by `bench ack` when BENCH_ACK_PROBE
 * names a file: where the ack time goes, seen from inside the process. Plain JavaScript, so the bot
 * still runs without a TypeScript loader. At SIGTERM it writes JSON to that file:
 * - ackMs: from the HTTP request's headers to its response being written (what the bot itself spends,
 *   queueing on its own event loop included), against the client's figure, which adds the OS and the client;
 * - loopDelayMs: event loop delay (how long a ready callback waited: the stalls an ack waits behind);
 * - poolWaitMs / statements: PostgreSQL pool checkouts (time to get a connection), and the statements run;
 * - cpuMsPerRequest: the process's CPU time over the measured requests;
 * - stalls (event loop over 30 ms late), collections (over 10 ms), connections (when each was accepted and
 *   how long until its first request) and perRequest (requests the client tagged with x-bench-id: when the
 *   bot saw and answered each), all at wall-clock milliseconds, to line up with the client's timeline.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';

const file = process.env.BENCH_ACK_PROBE;
const acks = [];
const poolWaits = [];
const statements = new Map();
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
let cpuAtFirst = null;
const epoch = () => performance.timeOrigin + performance.now();
const stalls = [];
/** Connections as the server accepted them, and how long until their first request. */
const connections = [];
const acceptedAt = new WeakMap();
/** Measured requests the client tagged (x-bench-id): when the bot saw each one and when it answered. */
const perRequest = [];
let tick = performance.now();
setInterval(() => {
  const late = performance.now() - tick - 5;
  if (late > 30) stalls.push({ at: Math.round(epoch() - late), ms: Math.round(late) });
  tick = performance.now();
}, 5).unref();
const collections = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if (entry.duration > 10)
      collections.push({
        at: Math.round(performance.timeOrigin + entry.startTime),
        ms: Math.round(entry.duration),
        kind: entry.detail?.kind,
      });
}).observe({ entryTypes: ['gc'] });

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function probeEmit(event, req, res, ...rest) {
  if (event === 'connection') {
    const entry = { at: Math.round(epoch()), firstRequestAfter: null };
    connections.push(entry);
    acceptedAt.set(req, entry);
  }
  if (event === 'request' && req.method === 'POST') {
    const conn = acceptedAt.get(req.socket);
    if (conn && conn.firstRequestAfter === null) conn.firstRequestAfter = Math.round(epoch() - conn.at);
    cpuAtFirst ??= process.cpuUsage();
    const started = performance.now();
    const id = req.headers['x-bench-id'];
    res.once('finish', () => {
      acks.push(performance.now() - started);
      if (id)
        perRequest.push({
          id: Number(id),
          in: Math.round(performance.timeOrigin + started),
          out: Math.round(epoch()),
        });
    });
  }
  return emit.call(this, event, req, res, ...rest);
};

// The bot's own pg (resolved from the package, as the bot resolves it).
try {
  const pg = createRequire(new URL('../../package.json', import.meta.url))('pg');
  const connect = pg.Pool.prototype.connect;
  pg.Pool.prototype.connect = function probeConnect(callback) {
    const started = performance.now();
    if (typeof callback === 'function') {
      return connect.call(this, (...args) => {
        poolWaits.push(performance.now() - started);
        callback(...args);
      });
    }
    return connect.call(this).then((client) => {
      poolWaits.push(performance.now() - started);
      return client;
    });
  };
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function probeQuery(config, ...rest) {
    const text = typeof config === 'string' ? config : (config?.text ?? '');
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 60);
    statements.set(key, (statements.get(key) ?? 0) + 1);
    return query.call(this, config, ...rest);
  };
} catch {
  // No pg here: a SQLite run.
}

function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)].toFixed(1));
}

process.once('SIGTERM', () => {
  const cpu = cpuAtFirst ? process.cpuUsage(cpuAtFirst) : { user: 0, system: 0 };
  const ns = (value) => Number((value / 1e6).toFixed(1));
  writeFileSync(
    file,
    JSON.stringify({
      requests: acks.length,
      ackMs: { p50: percentile(acks, 50), p99: percentile(acks, 99), max: percentile(acks, 100) },
      loopDelayMs: { p50: ns(loop.percentile(50)), p99: ns(loop.percentile(99)), max: ns(loop.max) },
      poolWaitMs: { count: poolWaits.length, p50: percentile(poolWaits, 50), p99: percentile(poolWaits, 99) },
      statements: Object.fromEntries([...statements].sort((a, b) => b[1] - a[1])),
      stalls,
      perRequest,
      connections,
      collections,
      cpuMsPerRequest: acks.length ? Number(((cpu.user + cpu.system) / 1000 / acks.length).toFixed(2)) : null,
    }),
  );
});
