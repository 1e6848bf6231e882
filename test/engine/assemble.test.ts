import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.ts';
import { controlStatusOf, fromFindingsOnly, fromRules } from '../../src/engine/assemble.ts';
import type { ControlFinding } from '../../src/engine/ports.ts';
import type { ResourceResult } from '../../src/engine/types.ts';

const catalog = loadCatalog();
const s3_8 = catalog.find('S3.8');
const config1 = catalog.find('Config.1');
if (!s3_8 || !config1) throw new Error('catalog lacks S3.8 or Config.1');

function resource(status: ResourceResult['status'], suppressed = false): ResourceResult {
  return {
    resourceType: 'AWS::S3::Bucket',
    resourceId: 'b',
    status,
    suppressed,
    findingId: null,
    workflowStatus: null,
    note: null,
    annotation: null,
  };
}

function finding(over: Partial<ControlFinding>): ControlFinding {
  return {
    id: 'arn:finding/1',
    productArn: 'arn:aws:securityhub:ap-northeast-1::product/aws/securityhub',
    controlId: 'S3.8',
    accountId: '111111111111',
    region: 'ap-northeast-1',
    resourceType: 'AwsS3Bucket',
    resourceId: 'arn:aws:s3:::logs',
    complianceStatus: 'FAILED',
    workflowStatus: 'NEW',
    noteText: null,
    updatedAt: '2026-11-29T00:00:00.000Z',
    title: null,
    severity: 'HIGH',
    ...over,
  };
}

describe('control status', () => {
  it('fails on any unsuppressed failure, suppresses only when every failure is suppressed', () => {
    expect(controlStatusOf([resource('PASSED'), resource('FAILED')])).toBe('FAILED');
    expect(controlStatusOf([resource('FAILED', true), resource('FAILED')])).toBe('FAILED');
    expect(controlStatusOf([resource('FAILED', true), resource('PASSED')])).toBe('SUPPRESSED');
    expect(controlStatusOf([resource('PASSED'), resource('NOT_APPLICABLE')])).toBe('PASSED');
  });

  it('never calls "nothing evaluated" a pass', () => {
    expect(controlStatusOf([])).toBe('NOT_EVALUATED');
    expect(controlStatusOf([resource('NOT_APPLICABLE')])).toBe('NOT_EVALUATED');
  });
});

describe('joining Config results with findings', () => {
  const outcome = { status: null, fresh: true, failed: false };

  it('attaches finding IDs, workflow and notes by resource', () => {
    const result = fromRules(
      s3_8,
      [
        {
          name: 'securityhub-s3-bucket-level-public-access-prohibited-1a2b3c4d',
          outcome,
          error: null,
          evaluations: [
            {
              resourceType: 'AWS::S3::Bucket',
              resourceId: 'logs',
              compliance: 'NON_COMPLIANT',
              recordedAt: new Date('2026-11-30T00:00:00Z'),
              annotation: null,
            },
            {
              resourceType: 'AWS::S3::Bucket',
              resourceId: 'site',
              compliance: 'NON_COMPLIANT',
              recordedAt: null,
              annotation: null,
            },
            {
              resourceType: 'AWS::S3::Bucket',
              resourceId: 'data',
              compliance: 'COMPLIANT',
              recordedAt: null,
              annotation: null,
            },
          ],
        },
      ],
      [
        finding({}),
        finding({
          id: 'arn:finding/2',
          resourceId: 'arn:aws:s3:::site',
          workflowStatus: 'SUPPRESSED',
          noteText: 'public website',
        }),
      ],
    );
    expect(result.status).toBe('FAILED');
    expect(result.fresh).toBe(true);
    expect(result.evaluatedAt).toBe('2026-11-30T00:00:00.000Z');
    expect(result.resources.map((r) => [r.resourceId, r.status, r.suppressed, r.findingId, r.note])).toEqual([
      ['logs', 'FAILED', false, 'arn:finding/1', null],
      ['site', 'FAILED', true, 'arn:finding/2', 'public website'],
      ['data', 'PASSED', false, null, null],
    ]);
  });

  it('reports a control whose rule is missing as not evaluated, and a failed evaluation as an error', () => {
    expect(fromRules(s3_8, [], [])).toMatchObject({ status: 'NOT_EVALUATED', reason: 'rule_not_found' });
    const failed = fromRules(
      s3_8,
      [
        {
          name: 'r',
          outcome: {
            fresh: true,
            failed: true,
            status: {
              name: 'r',
              lastSuccessfulEvaluation: null,
              lastFailedEvaluation: new Date(),
              lastErrorCode: 'AccessDenied',
              lastErrorMessage: 'no',
            },
          },
          evaluations: [],
          error: null,
        },
      ],
      [],
    );
    expect(failed).toMatchObject({ status: 'ERROR', error: { code: 'AccessDenied', message: 'no' } });
  });

  it('takes a control without a Config rule from its findings', () => {
    expect(
      fromFindingsOnly(config1, [
        finding({ controlId: 'Config.1', resourceId: 'AWS::::Account:111111111111' }),
      ]),
    ).toMatchObject({
      status: 'FAILED',
      fresh: false,
      evaluatedAt: '2026-11-29T00:00:00.000Z',
    });
    expect(fromFindingsOnly(config1, [])).toMatchObject({ status: 'NOT_EVALUATED', reason: 'no_findings' });
  });
});
