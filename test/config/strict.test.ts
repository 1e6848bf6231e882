import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configJsonSchema, configSchemaFile } from '../../src/config/json-schema.ts';
import { ConfigError, parseConfig } from '../../src/config/load.ts';
import { packageRoot } from '../../src/paths.ts';
import { runCliCaptured } from '../helpers/cli.ts';

const runFsbp = (argv: string[]) => runCliCaptured(argv, { ...process.env, LANG: 'C' });

const base = `
accounts:
  - id: "111111111111"
    name: prod
    regions: [ap-northeast-1]
channels:
  - id: C0123456789
    accounts: [prod]
`;

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, 'fsbp.config.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('unknown keys', () => {
  it('are errors with their key path and the closest known key, all reported at once', () => {
    const problems = problemsOf(
      `${base}
suppression:
  alowedUsers: [U0123456789]
  approvers: { allowedUsers: [U0123456789] }
`
        .replace('    regions:', '    role: x\n    regions:')
        .replace('    accounts: [prod]', '    accounts: [prod]\n    digest: { shedule: "0 9 * * *" }'),
    );
    expect(problems).toEqual([
      'accounts[0].role: unknown key; did you mean roleArn?',
      'channels[0].digest.shedule: unknown key; did you mean schedule?',
      'suppression.alowedUsers: unknown key; did you mean allowedUsers?',
      'suppression.approvers: unknown key; did you mean approval?',
    ]);
  });

  it('are reported at the top level too, beside the other problems', () => {
    expect(
      problemsOf(
        `${base}defaultLanguge: ja\nchannels: []\n`.replace(
          'channels:\n  - id: C0123456789\n    accounts: [prod]\n',
          '',
        ),
      ),
    ).toEqual(['defaultLanguge: unknown key; did you mean defaultLanguage?']);
  });
});

describe('the JSON Schema for editors', () => {
  const committed = JSON.parse(readFileSync(join(packageRoot, configSchemaFile), 'utf8'));
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(committed);

  it('is committed exactly as generated from the zod schema (run `fsbp config schema > fsbp.config.schema.json`)', () => {
    expect(committed).toEqual(configJsonSchema());
  });

  it('accepts the demo config and flags a typo the way the bot does', () => {
    const demo = parseYaml(readFileSync(join(packageRoot, 'test/demo/fsbp.config.yaml'), 'utf8'));
    expect(validate(demo), JSON.stringify(validate.errors)).toBe(true);
    const typo = { ...demo, suppression: { alowedUsers: ['U0123456789'] } };
    expect(validate(typo)).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({
        instancePath: '/suppression',
        params: { additionalProperty: 'alowedUsers' },
      }),
    );
  });

  it('is referenced from the demo config, so editors pick it up', () => {
    const first = readFileSync(join(packageRoot, 'test/demo/fsbp.config.yaml'), 'utf8').split('\n')[0];
    expect(first).toBe(`# yaml-language-server: $schema=../../${configSchemaFile}`);
  });
});

describe('fsbp config', () => {
  it('check exits 0 for a valid file and 2 with every problem for a broken one', async () => {
    const ok = await runFsbp([
      'config',
      'check',
      '--file',
      join(packageRoot, 'test/demo/fsbp.config.yaml'),
      '--json',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, accounts: 2, channels: 1 });
    const broken = await runFsbp([
      'config',
      'check',
      '--file',
      join(packageRoot, 'test/config/fixtures/typo.yaml'),
    ]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('suppression.alowedUsers: unknown key; did you mean allowedUsers?');
  });

  it('schema prints the committed schema', async () => {
    const out = await runFsbp(['config', 'schema']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(configJsonSchema());
  });
});
