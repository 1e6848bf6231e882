import {
  BatchGetSecurityControlsCommand,
  BatchGetStandardsControlAssociationsCommand,
  DescribeStandardsControlsCommand,
  ListSecurityControlDefinitionsCommand,
  ListStandardsControlAssociationsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { partition } from '@aws-sdk/core/client';
import { z } from 'zod';
import { AwsControlDefinition, fsbpStandard } from '../catalog/aws-controls.ts';
import { isControlId } from '../catalog/control-id.ts';
import type { ControlAssociation, SecurityControlSettings, SecurityControlsPort } from '../engine/ports.ts';
import { chunk } from './config-rules.ts';
import type { AwsCaller } from './errors.ts';
import type { Inflight } from './inflight.ts';

/** Every listing here takes at most 100 a page; the batch reads are sent 100 IDs at a time. */
export const controlsPageSize = 100;
export const controlIdsPerBatch = 100;

export interface SecurityControlsAdapterOptions {
  client: Pick<SecurityHubClient, 'send'>;
  accountId: string;
  region: string;
  call: AwsCaller;
  share: Inflight;
  identity: string;
}

/** AWS text is kept short: it is shown, never parsed. */
const text = (max: number) =>
  z
    .string()
    .nullish()
    .transform((s) => (s ? s.slice(0, max) : null));

const Definition = z.object({
  SecurityControlId: z.string(),
  Title: z.string(),
  Description: z.string().nullish(),
  RemediationUrl: z.string().nullish(),
  SeverityRating: z.string(),
  CurrentRegionAvailability: z.string().nullish(),
});

const Association = z.object({
  StandardsArn: z.string(),
  SecurityControlId: z.string(),
  AssociationStatus: z.string(),
  UpdatedReason: text(1000),
  UpdatedAt: z.date().nullish(),
});

const StandardsControl = z.object({
  ControlId: z.string(),
  ControlStatus: z.string(),
  DisabledReason: text(1000),
  ControlStatusUpdatedAt: z.date().nullish(),
});

/** ParameterValue is a union with one member set; each is shown as text. */
const ParameterValue = z
  .object({
    Integer: z.number().optional(),
    IntegerList: z.array(z.number()).optional(),
    Double: z.number().optional(),
    String: z.string().optional(),
    StringList: z.array(z.string()).optional(),
    Boolean: z.boolean().optional(),
    Enum: z.string().optional(),
    EnumList: z.array(z.string()).optional(),
  })
  .loose();

const SecurityControl = z.object({
  SecurityControlId: z.string(),
  SecurityControlStatus: z.string(),
  Parameters: z
    .record(z.string(), z.object({ ValueType: z.string(), Value: ParameterValue.nullish() }))
    .nullish(),
  LastUpdateReason: text(1000),
});

/** `standards/...` of a standards ARN, whatever its partition and Region. */
export function standardOf(arn: string): string {
  return arn.split(':').slice(5).join(':');
}

function valueText(value: z.infer<typeof ParameterValue> | null | undefined): string | null {
  if (!value) return null;
  for (const key of ['Integer', 'Double', 'String', 'Boolean', 'Enum'] as const) {
    if (value[key] !== undefined) return String(value[key]).slice(0, 500);
  }
  for (const key of ['IntegerList', 'StringList', 'EnumList'] as const) {
    const list = value[key];
    if (list) return list.map(String).join(', ').slice(0, 500);
  }
  return null;
}

function toDefinition(raw: z.infer<typeof Definition>): AwsControlDefinition | null {
  const parsed = AwsControlDefinition.safeParse({
    id: raw.SecurityControlId,
    title: raw.Title.slice(0, 500),
    description: (raw.Description ?? '').slice(0, 4000),
    remediationUrl: raw.RemediationUrl ?? null,
    severity: raw.SeverityRating,
    available: raw.CurrentRegionAvailability !== 'UNAVAILABLE',
  });
  if (parsed.success) return parsed.data;
  // A remediation URL we would not link to does not cost the control.
  const withoutUrl = AwsControlDefinition.safeParse({
    id: raw.SecurityControlId,
    title: raw.Title.slice(0, 500),
    description: (raw.Description ?? '').slice(0, 4000),
    remediationUrl: null,
    severity: raw.SeverityRating,
    available: raw.CurrentRegionAvailability !== 'UNAVAILABLE',
  });
  return withoutUrl.success ? withoutUrl.data : null;
}

/** Security Hub's control APIs for one account and Region, FSBP's standard built from the Region. */
export function createSecurityControlsAdapter(options: SecurityControlsAdapterOptions): SecurityControlsPort {
  const { client, accountId, region, call } = options;
  const scope = (operation: string) => ({ operation, accountId, region });
  const partitionName = partition(region).name;
  const fsbpArn = `arn:${partitionName}:securityhub:${region}::${fsbpStandard}`;
  const fsbpSubscription = `arn:${partitionName}:securityhub:${region}:${accountId}:subscription/aws-foundational-security-best-practices/v/1.0.0`;

  function association(raw: z.infer<typeof Association>): ControlAssociation {
    return {
      controlId: raw.SecurityControlId,
      standard: standardOf(raw.StandardsArn),
      enabled: raw.AssociationStatus !== 'DISABLED',
      reason: raw.UpdatedReason,
      updatedAt: raw.UpdatedAt?.toISOString() ?? null,
    };
  }

  return {
    fsbpDefinitions() {
      return options.share(`${options.identity}|ListSecurityControlDefinitions`, async () => {
        const out: AwsControlDefinition[] = [];
        let token: string | undefined;
        do {
          const page = await call(scope('ListSecurityControlDefinitions'), () =>
            client.send(
              new ListSecurityControlDefinitionsCommand({
                StandardsArn: fsbpArn,
                MaxResults: controlsPageSize,
                NextToken: token,
              }),
            ),
          );
          for (const raw of page.SecurityControlDefinitions ?? []) {
            const parsed = Definition.safeParse(raw);
            const definition = parsed.success ? toDefinition(parsed.data) : null;
            if (definition) out.push(definition);
          }
          token = page.NextToken || undefined;
        } while (token);
        return out;
      });
    },

    async fsbpAssociations(controlIds) {
      const ids = [...new Set(controlIds)].filter(isControlId);
      const batches = await Promise.all(
        chunk(ids, controlIdsPerBatch).map((batch) =>
          call(scope('BatchGetStandardsControlAssociations'), () =>
            client.send(
              new BatchGetStandardsControlAssociationsCommand({
                StandardsControlAssociationIds: batch.map((SecurityControlId) => ({
                  SecurityControlId,
                  StandardsArn: fsbpArn,
                })),
              }),
            ),
          ),
        ),
      );
      return batches.flatMap((page) =>
        (page.StandardsControlAssociationDetails ?? []).flatMap((raw) => {
          const parsed = Association.safeParse(raw);
          return parsed.success ? [association(parsed.data)] : [];
        }),
      );
    },

    async controlAssociations(controlId) {
      const out: ControlAssociation[] = [];
      let token: string | undefined;
      do {
        const page = await call(scope('ListStandardsControlAssociations'), () =>
          client.send(
            new ListStandardsControlAssociationsCommand({
              SecurityControlId: controlId,
              MaxResults: controlsPageSize,
              NextToken: token,
            }),
          ),
        );
        for (const raw of page.StandardsControlAssociationSummaries ?? []) {
          const parsed = Association.safeParse(raw);
          if (parsed.success) out.push(association(parsed.data));
        }
        token = page.NextToken || undefined;
      } while (token);
      return out;
    },

    fsbpStandardsControls() {
      return options.share(`${options.identity}|DescribeStandardsControls`, async () => {
        const out: ControlAssociation[] = [];
        let token: string | undefined;
        do {
          const page = await call(scope('DescribeStandardsControls'), () =>
            client.send(
              new DescribeStandardsControlsCommand({
                StandardsSubscriptionArn: fsbpSubscription,
                MaxResults: controlsPageSize,
                NextToken: token,
              }),
            ),
          );
          for (const raw of page.Controls ?? []) {
            const parsed = StandardsControl.safeParse(raw);
            if (!parsed.success) continue;
            out.push({
              controlId: parsed.data.ControlId,
              standard: fsbpStandard,
              enabled: parsed.data.ControlStatus !== 'DISABLED',
              reason: parsed.data.DisabledReason,
              updatedAt: parsed.data.ControlStatusUpdatedAt?.toISOString() ?? null,
            });
          }
          token = page.NextToken || undefined;
        } while (token);
        return out;
      });
    },

    async securityControls(controlIds) {
      const ids = [...new Set(controlIds)].filter(isControlId);
      const batches = await Promise.all(
        chunk(ids, controlIdsPerBatch).map((batch) =>
          call(scope('BatchGetSecurityControls'), () =>
            client.send(new BatchGetSecurityControlsCommand({ SecurityControlIds: batch })),
          ),
        ),
      );
      return batches.flatMap((page) =>
        (page.SecurityControls ?? []).flatMap((raw): SecurityControlSettings[] => {
          const parsed = SecurityControl.safeParse(raw);
          if (!parsed.success) return [];
          const control = parsed.data;
          return [
            {
              controlId: control.SecurityControlId,
              enabled: control.SecurityControlStatus !== 'DISABLED',
              parameters: Object.entries(control.Parameters ?? {})
                .map(([name, p]) => ({
                  name: name.slice(0, 128),
                  value: valueText(p.Value),
                  custom: p.ValueType === 'CUSTOM',
                }))
                .sort((a, b) => a.name.localeCompare(b.name)),
              lastUpdateReason: control.LastUpdateReason,
            },
          ];
        }),
      );
    },
  };
}
