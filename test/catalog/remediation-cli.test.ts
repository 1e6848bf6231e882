import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.ts';
import { checkCommand, cliExamples, kebab, shellWords } from './aws-cli-model.ts';

const catalog = loadCatalog();

describe('remediation CLI examples', () => {
  it('run as written against the AWS service models (both languages)', () => {
    const failures: string[] = [];
    let examples = 0;
    let references = 0;
    for (const control of catalog.controls) {
      for (const lang of ['ja', 'en'] as const) {
        for (const { command, example } of cliExamples(control.remediation[lang])) {
          if (example) examples++;
          else references++;
          for (const problem of checkCommand(command, example)) {
            failures.push(`${control.id} (${lang}): \`${command}\`: ${problem}`);
          }
        }
      }
    }
    console.info(
      `remediation CLI: ${examples} examples and ${references} references checked, ${failures.length} failing`,
    );
    expect(failures).toEqual([]);
    expect(examples).toBeGreaterThan(0);
  });
});

describe('the CLI example checker', () => {
  it('spells model names the way the CLI does', () => {
    expect(kebab('DBInstanceIdentifier')).toBe('db-instance-identifier');
    expect(kebab('EnableIAMDatabaseAuthentication')).toBe('enable-iam-database-authentication');
    expect(kebab('RotationLambdaARN')).toBe('rotation-lambda-arn');
    expect(kebab('ListEntitiesForPolicy')).toBe('list-entities-for-policy');
    expect(kebab('GetBucketAcl')).toBe('get-bucket-acl');
  });

  it('splits quoted words', () => {
    expect(shellWords(`aws x y --a 'b c' --d "e f" g`)).toEqual([
      'aws',
      'x',
      'y',
      '--a',
      'b c',
      '--d',
      'e f',
      'g',
    ]);
  });

  it('finds the errors the 2022 catalog had', () => {
    expect(checkCommand('aws iam update-access-key --status Inactive', true)).toEqual([
      '--access-key-id is required by iam update-access-key',
    ]);
    expect(checkCommand('aws cloudfront update-distribution --if-match <ETag>', true)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/--id is required/),
        expect.stringMatching(/--distribution-config/),
      ]),
    );
    expect(checkCommand('aws rds modify-db-cluster --port 3307', true)).toEqual([
      '--db-cluster-identifier is required by rds modify-db-cluster',
    ]);
    expect(checkCommand('aws rds modify-db-instance --db-instance-identifier x --encrypted', true)).toEqual([
      '--encrypted is not an option of rds modify-db-instance',
    ]);
    expect(checkCommand('aws s3api put-bucket-nope --bucket b', true)).toEqual([
      '"put-bucket-nope" is not an operation of s3api',
    ]);
    expect(checkCommand('aws nosuchservice do-it', false)).toEqual(['no AWS CLI service "nosuchservice"']);
  });

  it('accepts CLI spellings: booleans with --no-, elisions, CLI additions, CLI-only commands', () => {
    expect(
      checkCommand('aws rds modify-db-instance --db-instance-identifier x --no-publicly-accessible', true),
    ).toEqual([]);
    expect(
      checkCommand('aws ec2 modify-subnet-attribute --subnet-id s --no-map-public-ip-on-launch', true),
    ).toEqual([]);
    expect(checkCommand('aws apigateway update-stage ... --patch-operations op=replace', true)).toEqual([]);
    expect(
      checkCommand(
        'aws ec2 revoke-security-group-ingress --group-id sg --protocol tcp --port 22 --cidr 0.0.0.0/0',
        true,
      ),
    ).toEqual([]);
    expect(checkCommand('aws cloudtrail validate-logs --trail-arn a --start-time t', true)).toEqual([]);
    expect(checkCommand('aws cloudtrail validate-logs --trail-arn a', true)).toEqual([
      '--start-time is required',
    ]);
    // A reference in prose only has to name a real operation.
    expect(checkCommand('aws iam delete-access-key', false)).toEqual([]);
  });

  it('tells examples from references in prose', () => {
    const found = cliExamples(
      'Use `aws iam list-users` to list.\nCLI: `aws s3api get-bucket-acl`\nor `aws s3api get-bucket-policy --bucket b`',
    );
    expect(found).toEqual([
      { command: 'aws iam list-users', example: false },
      { command: 'aws s3api get-bucket-acl', example: true },
      { command: 'aws s3api get-bucket-policy --bucket b', example: true },
    ]);
  });
});
