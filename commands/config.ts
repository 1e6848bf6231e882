import { resolve } from 'node:path';
import { z } from 'zod';
import { configJsonSchema, configJsonSchemaText } from '../src/config/json-schema.ts';
import { checkConfigFile, defaultConfigFile } from '../src/config/load.ts';
import { code, text } from '../src/document/doc.ts';
import { defineSubcommand, perLanguage } from '../src/subcommand/define.ts';

const Args = z
  .object({ positionals: z.array(z.string()), flags: z.object({ file: z.string().optional() }).loose() })
  .refine(
    (a) => a.positionals.length === 1 && ['check', 'schema'].includes(a.positionals[0] ?? ''),
    'args.config',
  )
  .transform((a) => ({ action: a.positionals[0] as 'check' | 'schema', file: a.flags.file }));

/** `fsbp config check [--file F]` validates without starting anything; `fsbp config schema` prints the JSON Schema. */
export const config = defineSubcommand({
  name: 'config',
  flags: { file: 'string' },
  args: Args,
  surfaces: ['cli'],
  async run(args, ctx) {
    if (args.action === 'schema') {
      return { doc: [], raw: configJsonSchemaText(), json: configJsonSchema() };
    }
    const file = resolve(args.file ?? process.env.FSBP_CONFIG ?? defaultConfigFile);
    // A broken file throws ConfigError: exit 2 with every problem and its key path.
    const checked = checkConfigFile(file);
    const summary = { file, accounts: checked.accounts.length, channels: checked.channels.length };
    const doc = perLanguage(ctx, (t) => [text([t('config.valid', summary), ' ', code(file)])]);
    return { doc, json: { valid: true, ...summary } };
  },
});
