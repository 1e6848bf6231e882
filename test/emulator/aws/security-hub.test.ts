import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  DescribeHubCommand,
  GetEnabledStandardsCommand,
  GetFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from './server.ts';
import type { EmulatorState } from './state.ts';
import { asff, assume, baseState, clients, expectAwsError, PROD, STAGING, TOKYO } from './test-helpers.ts';

let em: AwsEmulator;
let sh: SecurityHubClient;
beforeAll(async () => {
  em = await startAwsEmulator({ state: baseState(), port: 0 });
  sh = clients(em, await assume(em, PROD, { externalId: 'example-external-id' })).sh;
});
afterAll(async () => {
  await em.close();
});

function withFindings(findings: object[]): EmulatorState {
  const state = baseState();
  const rs = state.accounts?.[PROD]?.regions?.[TOKYO];
  if (rs) rs.findings = findings as NonNullable<typeof rs.findings>;
  return state;
}

async function getAll(
  input: ConstructorParameters<typeof GetFindingsCommand>[0] = {},
): Promise<AwsSecurityFinding[]> {
  const out: AwsSecurityFinding[] = [];
  let token: string | undefined;
  do {
    const page = await sh.send(new GetFindingsCommand({ ...input, ...(token ? { NextToken: token } : {}) }));
    out.push(...(page.Findings ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

const n = (f: AwsSecurityFinding) => Number(f.Id?.slice(-12));

describe('GetFindings paging and limits', () => {
  it('MaxResults defaults to 100 and must be 1-100', async () => {
    em.setState(withFindings(Array.from({ length: 250 }, (_, i) => asff(PROD, TOKYO, i))));
    const first = await sh.send(new GetFindingsCommand({}));
    expect(first.Findings).toHaveLength(100);
    expect(first.NextToken).toBeTruthy();
    expect((await sh.send(new GetFindingsCommand({ MaxResults: 1 }))).Findings).toHaveLength(1);
    await expectAwsError(sh.send(new GetFindingsCommand({ MaxResults: 0 })), 'InvalidInputException', 400);
    await expectAwsError(sh.send(new GetFindingsCommand({ MaxResults: 101 })), 'InvalidInputException', 400);
    await expectAwsError(
      sh.send(new GetFindingsCommand({ NextToken: 'not-a-token' })),
      'InvalidInputException',
      400,
    );
  });

  it('pages more than 100 findings with NextToken, each exactly once', async () => {
    em.setState(withFindings(Array.from({ length: 250 }, (_, i) => asff(PROD, TOKYO, i))));
    const all = await getAll();
    expect(all).toHaveLength(250);
    expect(new Set(all.map((f) => f.Id)).size).toBe(250);
    expect(all.map(n)).toEqual(Array.from({ length: 250 }, (_, i) => 249 - i)); // default: UpdatedAt desc
  });

  it('is stable under concurrent writes: no repeats, no skips; updated findings that stop matching drop out', async () => {
    em.setState(withFindings(Array.from({ length: 250 }, (_, i) => asff(PROD, TOKYO, i))));
    const filter = { Filters: { WorkflowStatus: [{ Value: 'NEW', Comparison: 'EQUALS' as const }] } };
    const page1 = await sh.send(new GetFindingsCommand(filter));
    // New findings that would sort first, and two findings of the last page no longer matching.
    await sh.send(
      new BatchImportFindingsCommand({
        Findings: Array.from({ length: 30 }, (_, i) => asff(PROD, TOKYO, 1000 + i)),
      }),
    );
    await sh.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [0, 1].map((i) => ({
          Id: asff(PROD, TOKYO, i).Id,
          ProductArn: asff(PROD, TOKYO, i).ProductArn,
        })),
        Workflow: { Status: 'NOTIFIED' },
      }),
    );
    const rest = await getAll({ ...filter, NextToken: page1.NextToken });
    const seen = [...(page1.Findings ?? []), ...rest].map(n);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 248 }, (_, i) => i + 2));
    expect(await getAll(filter)).toHaveLength(278);
  });

  it('rejects a NextToken used with different filters', async () => {
    em.setState(withFindings(Array.from({ length: 150 }, (_, i) => asff(PROD, TOKYO, i))));
    const page1 = await sh.send(new GetFindingsCommand({}));
    await expectAwsError(
      sh.send(
        new GetFindingsCommand({
          NextToken: page1.NextToken,
          Filters: { RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] },
        }),
      ),
      'InvalidInputException',
      400,
    );
  });
});

describe('SortCriteria', () => {
  it('sorts by several fields, asc and desc', async () => {
    const labels = ['LOW', 'CRITICAL', 'MEDIUM', 'HIGH', 'CRITICAL', 'LOW'];
    const norm: Record<string, number> = { LOW: 1, MEDIUM: 40, HIGH: 70, CRITICAL: 90 };
    em.setState(
      withFindings(
        labels.map((l, i) =>
          asff(PROD, TOKYO, i, { Severity: { Label: l, Normalized: norm[l], Original: l } }),
        ),
      ),
    );
    const out = await getAll({
      SortCriteria: [
        { Field: 'SeverityNormalized', SortOrder: 'desc' },
        { Field: 'UpdatedAt', SortOrder: 'asc' },
      ],
    });
    expect(out.map(n)).toEqual([1, 4, 3, 2, 0, 5]);
    const byTitle = await getAll({ SortCriteria: [{ Field: 'SeverityLabel', SortOrder: 'asc' }] });
    expect(byTitle.map((f) => f.Severity?.Label)).toEqual([
      'CRITICAL',
      'CRITICAL',
      'HIGH',
      'LOW',
      'LOW',
      'MEDIUM',
    ]);
    await expectAwsError(
      sh.send(new GetFindingsCommand({ SortCriteria: [{ Field: 'UpdatedAt', SortOrder: 'up' as 'asc' }] })),
      'InvalidInputException',
      400,
    );
  });
});

describe('BatchUpdateFindings', () => {
  const ident = (i: number) => ({ Id: asff(PROD, TOKYO, i).Id, ProductArn: asff(PROD, TOKYO, i).ProductArn });

  it('updates workflow and note, keeps UpdatedAt, sets Note.UpdatedAt, reports unknown and duplicate ids', async () => {
    em.setState(withFindings([asff(PROD, TOKYO, 1), asff(PROD, TOKYO, 2)]));
    const before = Date.now();
    const out = await sh.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [ident(1), { Id: 'arn:unknown', ProductArn: ident(1).ProductArn }, ident(1)],
        Workflow: { Status: 'SUPPRESSED' },
        Note: { Text: 'accepted risk', UpdatedBy: 'fsbp-bot' },
      }),
    );
    expect(out.ProcessedFindings).toEqual([ident(1)]);
    expect(out.UnprocessedFindings).toEqual([
      {
        FindingIdentifier: { Id: 'arn:unknown', ProductArn: ident(1).ProductArn },
        ErrorCode: 'FindingNotFound',
        ErrorMessage: expect.any(String),
      },
      {
        FindingIdentifier: ident(1),
        ErrorCode: 'DuplicatedFindingIdentifier',
        ErrorMessage: expect.any(String),
      },
    ]);
    const [f] = await getAll({ Filters: { Id: [{ Value: ident(1).Id, Comparison: 'EQUALS' }] } });
    expect(f?.Workflow?.Status).toBe('SUPPRESSED');
    expect(f?.UpdatedAt).toBe(asff(PROD, TOKYO, 1).UpdatedAt);
    expect(f?.Note?.Text).toBe('accepted risk');
    expect(f?.Note?.UpdatedBy).toBe('fsbp-bot');
    expect(Date.parse(f?.Note?.UpdatedAt ?? '')).toBeGreaterThanOrEqual(before - 5);
    const stored = em
      .getState()
      .accounts?.[PROD]?.regions?.[TOKYO]?.findings?.find((x) => x.Id === ident(1).Id);
    expect(stored?.Workflow).toEqual({ Status: 'SUPPRESSED' });
  });

  it('enforces 1-100 identifiers, Id + ProductArn, Note limits and the workflow enum', async () => {
    em.setState(withFindings([asff(PROD, TOKYO, 1)]));
    const update = (input: object) =>
      sh.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [ident(1)], ...input }));
    const ids = Array.from({ length: 101 }, (_, i) => ident(i));
    await expectAwsError(
      sh.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: ids, Workflow: { Status: 'NOTIFIED' } })),
      'InvalidInputException',
      400,
    );
    await expectAwsError(
      sh.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [], Workflow: { Status: 'NOTIFIED' } })),
      'InvalidInputException',
      400,
    );
    await expectAwsError(
      sh.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: ident(1).Id, ProductArn: '' }] })),
      'InvalidInputException',
      400,
    );
    await expectAwsError(
      update({ Note: { Text: 'x'.repeat(513), UpdatedBy: 'bot' } }),
      'InvalidInputException',
      400,
    );
    await expectAwsError(
      update({ Note: { Text: 'ok', UpdatedBy: 'b'.repeat(513) } }),
      'InvalidInputException',
      400,
    );
    await expectAwsError(update({ Note: { Text: 'no author' } }), 'InvalidInputException', 400);
    await expectAwsError(update({ Workflow: { Status: 'CLOSED' } }), 'InvalidInputException', 400);
    const ok = await update({ Note: { Text: 'x'.repeat(512), UpdatedBy: 'b'.repeat(512) } });
    expect(ok.ProcessedFindings).toHaveLength(1);
    const max = await sh.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: ids.slice(0, 100),
        Workflow: { Status: 'NOTIFIED' },
      }),
    );
    expect(max.ProcessedFindings).toHaveLength(1);
    expect(max.UnprocessedFindings).toHaveLength(99);
  });
});

describe('BatchImportFindings', () => {
  it('imports 1-100 findings, reports invalid ones and replaces a finding with the same Id', async () => {
    em.setState(withFindings([]));
    await expectAwsError(
      sh.send(new BatchImportFindingsCommand({ Findings: [] })),
      'InvalidInputException',
      400,
    );
    await expectAwsError(
      sh.send(
        new BatchImportFindingsCommand({
          Findings: Array.from({ length: 101 }, (_, i) => asff(PROD, TOKYO, i)),
        }),
      ),
      'InvalidInputException',
      400,
    );
    const { Title: _t, ...noTitle } = asff(PROD, TOKYO, 3);
    const out = await sh.send(
      new BatchImportFindingsCommand({
        Findings: [
          asff(PROD, TOKYO, 1),
          asff(STAGING, TOKYO, 2),
          noTitle as AwsSecurityFinding,
          asff(PROD, 'us-east-1', 4),
        ],
      }),
    );
    expect(out.SuccessCount).toBe(1);
    expect(out.FailedCount).toBe(3);
    expect(out.FailedFindings?.map((f) => f.ErrorCode)).toEqual([
      'AccessDeniedException',
      'InvalidInput',
      'InvalidInput',
    ]);
    await sh.send(new BatchImportFindingsCommand({ Findings: [asff(PROD, TOKYO, 1, { Title: 'changed' })] }));
    const all = await getAll();
    expect(all.map((f) => f.Title)).toEqual(['changed']);
  });
});

describe('DescribeHub and GetEnabledStandards', () => {
  it('DescribeHub reports the account control finding generator', async () => {
    em.setState(baseState());
    const hub = await sh.send(new DescribeHubCommand({}));
    expect(hub).toMatchObject({
      HubArn: `arn:aws:securityhub:${TOKYO}:${PROD}:hub/default`,
      AutoEnableControls: true,
      ControlFindingGenerator: 'SECURITY_CONTROL',
    });
    expect(Date.parse(hub.SubscribedAt ?? '')).not.toBeNaN();
    const staging = clients(em, await assume(em, STAGING)).sh;
    expect((await staging.send(new DescribeHubCommand({}))).ControlFindingGenerator).toBe('STANDARD_CONTROL');
    await expectAwsError(
      sh.send(new DescribeHubCommand({ HubArn: 'arn:aws:securityhub:x:y:hub/default' })),
      'ResourceNotFoundException',
      404,
    );
  });

  it('GetEnabledStandards returns the FSBP subscription', async () => {
    em.setState(baseState());
    const out = await sh.send(new GetEnabledStandardsCommand({}));
    expect(out.StandardsSubscriptions).toEqual([
      {
        StandardsSubscriptionArn: `arn:aws:securityhub:${TOKYO}:${PROD}:subscription/aws-foundational-security-best-practices/v/1.0.0`,
        StandardsArn: `arn:aws:securityhub:${TOKYO}::standards/aws-foundational-security-best-practices/v/1.0.0`,
        StandardsInput: {},
        StandardsStatus: 'READY',
        StandardsControlsUpdatable: 'READY_FOR_UPDATES',
      },
    ]);
  });
});
