// CLI: npx tsx test/emulator/aws/main.ts --port 4599 --state <file.json>
// (without --state the bundled sample-state.json is served).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startAwsEmulator } from './server.ts';
import { type EmulatorState, StateError } from './state.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4599' },
      state: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: tsx test/emulator/aws/main.ts [--port 4599] [--state state.json]');
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  const file = values.state ? resolve(values.state) : new URL('./sample-state.json', import.meta.url);
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read state file ${String(file)}: ${(err as Error).message}`);
  }
  const emulator = await startAwsEmulator({ state: input as EmulatorState, port });
  console.log(`listening on ${emulator.url}`);
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof StateError || err instanceof Error ? err.message : err);
  process.exit(1);
});
