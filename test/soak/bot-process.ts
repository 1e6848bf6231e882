import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A free loopback port, so every restart of the bot listens where the soak posts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The real bot (`fsbp serve`) as its own process, started, SIGKILLed and started again. */
export class BotProcess {
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  starts = 0;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly port: number,
    private readonly logPath: string,
  ) {}

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  get alive(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const log = createWriteStream(this.logPath, { flags: 'a' });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'serve'], {
      cwd: repoRoot,
      env: { ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.starts += 1;
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (!this.alive) throw new Error(`the bot exited during start-up; see ${this.logPath}`);
      const ok = await fetch(`http://127.0.0.1:${this.port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the bot did not answer /healthz in ${timeoutMs} ms`);
  }

  /** SIGKILL now: no handler runs, nothing is flushed; synchronous so it can land inside a call. */
  killNow(): void {
    if (this.alive && this.#child?.pid) process.kill(this.#child.pid, 'SIGKILL');
  }

  async exited(): Promise<void> {
    await this.#exited;
  }

  /** A clean stop at the end (SIGTERM: the bot closes its store). */
  async stop(): Promise<void> {
    if (this.alive) this.#child?.kill('SIGTERM');
    await this.#exited;
  }
}
