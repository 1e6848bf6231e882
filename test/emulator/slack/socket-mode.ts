/**
 * A Socket Mode endpoint shaped like Slack's: `apps.connections.open` (with the app-level token)
 * hands out a ws:// URL; the socket greets with `hello`, then carries envelopes that the app must
 * acknowledge with their `envelope_id`. Every other Web API call is passed to the Slack emulator.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface SocketModeServer {
  /** Web API base for the bot (`SLACK_API_URL`): apps.connections.open here, the rest forwarded. */
  apiUrl: string;
  connected(): Promise<void>;
  /** Sends an envelope and resolves with the app's acknowledgement and how long it took. */
  send(
    type: 'slash_commands' | 'interactive' | 'events_api',
    payload: object,
  ): Promise<{ ack: Record<string, unknown>; ms: number }>;
  close(): Promise<void>;
}

export async function startSocketModeServer(opts: {
  appToken: string;
  forwardTo: string;
}): Promise<SocketModeServer> {
  const sockets = new Set<WebSocket>();
  const waiting = new Map<string, (ack: Record<string, unknown>) => void>();
  let onConnect: () => void = () => {};
  const connectedOnce = new Promise<void>((resolve) => {
    onConnect = resolve;
  });

  const http = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (req.url?.endsWith('/apps.connections.open')) {
      const ok = req.headers.authorization === `Bearer ${opts.appToken}`;
      const { port } = http.address() as AddressInfo;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          ok
            ? { ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=${randomUUID()}` }
            : { ok: false, error: 'invalid_auth' },
        ),
      );
      return;
    }
    const forwarded = await fetch(new URL(req.url?.replace(/^\/api\//, '') ?? '', opts.forwardTo), {
      method: req.method,
      headers: Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'content-length'].includes(k)) as [
          string,
          string,
        ][],
      ),
      body: req.method === 'GET' ? undefined : body,
    });
    // Slack's scope headers come back on every Web API answer, whichever connection asked.
    const scopeHeaders = Object.fromEntries(
      ['x-oauth-scopes', 'x-accepted-oauth-scopes']
        .map((h) => [h, forwarded.headers.get(h)])
        .filter((entry): entry is [string, string] => entry[1] !== null),
    );
    res.writeHead(forwarded.status, {
      'content-type': forwarded.headers.get('content-type') ?? 'application/json',
      ...scopeHeaders,
    });
    res.end(Buffer.from(await forwarded.arrayBuffer()));
  });
  const wss = new WebSocketServer({ server: http, path: '/link/' });
  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      const id = message.envelope_id;
      if (typeof id === 'string') waiting.get(id)?.(message);
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: sockets.size,
        debug_info: { host: 'emulator' },
        connection_info: { app_id: 'A0EMU00001' },
      }),
    );
    onConnect();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    connected: () => connectedOnce,
    send(type, payload) {
      const envelopeId = randomUUID();
      const socket = [...sockets][Math.floor(Math.random() * sockets.size)];
      if (!socket) return Promise.reject(new Error('no Socket Mode connection'));
      const started = performance.now();
      return new Promise((resolve) => {
        waiting.set(envelopeId, (ack) => resolve({ ack, ms: performance.now() - started }));
        socket.send(
          JSON.stringify({
            envelope_id: envelopeId,
            payload,
            type,
            accepts_response_payload: type !== 'events_api',
          }),
        );
      });
    },
    async close() {
      for (const socket of sockets) socket.terminate();
      wss.close();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
