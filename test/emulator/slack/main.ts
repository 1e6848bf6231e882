// CLI: npx tsx test/emulator/slack/main.ts --port 4600 --token xoxb-test
// Serves an empty workspace plus the channels/users given as JSON with --workspace <file.json>
// ({ "users": {...}, "channels": {...}, "usergroups": {...} }, the shapes startSlackEmulator takes).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type SlackEmulatorOptions, startSlackEmulator } from './server.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4600' },
      token: { type: 'string', default: 'xoxb-test' },
      workspace: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'usage: tsx test/emulator/slack/main.ts [--port 4600] [--token xoxb-test] [--workspace ws.json]',
    );
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  let workspace: Pick<SlackEmulatorOptions, 'users' | 'channels' | 'usergroups'> = {
    channels: { C0EMUGENERAL: { name: 'general' } },
  };
  if (values.workspace) {
    try {
      workspace = JSON.parse(readFileSync(values.workspace, 'utf8'));
    } catch (err) {
      throw new Error(`cannot read workspace file ${values.workspace}: ${(err as Error).message}`);
    }
  }
  const emulator = await startSlackEmulator({ botToken: values.token, port, ...workspace });
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
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
