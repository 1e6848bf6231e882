import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.ts';
import { parseArgv, tokenize } from '../../src/subcommand/argv.ts';

describe('tokenize', () => {
  it('splits on whitespace and keeps quoted words together, curly quotes included', () => {
    expect(tokenize('check  S3 EC2.19')).toEqual(['check', 'S3', 'EC2.19']);
    expect(tokenize('unsuppress 12 --reason "fixed in prod"')).toEqual([
      'unsuppress',
      '12',
      '--reason',
      'fixed in prod',
    ]);
    expect(tokenize('--reason “受け入れ済み のリスク”')).toEqual(['--reason', '受け入れ済み のリスク']);
    expect(tokenize('a "" b')).toEqual(['a', '', 'b']);
  });
});

describe('parseArgv', () => {
  const spec = {
    json: 'boolean',
    account: 'strings',
    region: 'strings',
    timeout: 'string',
    reevaluate: 'boolean',
  } as const;

  it('reads flags, repeated flags, comma lists, --no- booleans and positionals', () => {
    expect(
      parseArgv(
        [
          'S3',
          '--account',
          'prod',
          '--account=staging,qa',
          '--no-reevaluate',
          '--json',
          'EC2.19',
          '--timeout',
          '30',
        ],
        spec,
      ),
    ).toEqual({
      positionals: ['S3', 'EC2.19'],
      flags: { account: ['prod', 'staging', 'qa'], reevaluate: false, json: true, timeout: '30' },
    });
  });

  it('refuses unknown options and missing values with a typed, translatable error', () => {
    const failure = (tokens: string[]) => {
      try {
        parseArgv(tokens, spec);
      } catch (error) {
        return error;
      }
      throw new Error('no error');
    };
    expect(failure(['--colour'])).toBeInstanceOf(AppError);
    expect(failure(['--colour'])).toMatchObject({
      code: 'invalid_arguments',
      params: { detailKey: 'args.unknownOption', option: '--colour' },
    });
    expect(failure(['--timeout'])).toMatchObject({
      params: { detailKey: 'args.needsValue', option: '--timeout' },
    });
    expect(failure(['--account', '--json'])).toMatchObject({
      params: { detailKey: 'args.needsValue', option: '--account' },
    });
  });
});
