import { z } from 'zod';

export const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export const Severity = z.enum(severities);
export type Severity = z.infer<typeof Severity>;

/** Higher is worse; used for sorting and for `minSeverity`. */
export const severityRank: Record<Severity, number> = { CRITICAL: 4, HIGH: 3, MEDIUM: 2, LOW: 1 };

export const ScheduleType = z.enum(['CHANGE_TRIGGERED', 'PERIODIC', 'PERIODIC_AND_CHANGE_TRIGGERED']);
export type ScheduleType = z.infer<typeof ScheduleType>;

export const controlIdPattern = /^[A-Za-z0-9]+\.\d+$/;

function localized(max: number) {
  return z
    .object({
      ja: z.string().trim().min(1, 'must not be empty').max(max),
      en: z.string().trim().min(1, 'must not be empty').max(max),
    })
    .strict();
}

const docsUrl = z
  .url({ protocol: /^https$/, hostname: /^docs\.aws\.amazon\.com$/ })
  .describe('https link to the Security Hub user guide');

export const Control = z
  .object({
    id: z.string().regex(controlIdPattern, 'must look like S3.1'),
    securityControlId: z.string().regex(controlIdPattern, 'must look like S3.1'),
    service: z.string().regex(/^[A-Za-z0-9]+$/),
    severity: Severity,
    title: localized(300),
    category: localized(200),
    summary: localized(600),
    remediation: localized(600),
    links: z.object({ ja: docsUrl, en: docsUrl }).strict(),
    configRule: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .max(128)
      .nullable(),
    configRuleIsSecurityHubCustom: z.boolean(),
    scheduleType: ScheduleType.nullable(),
    parameters: z.record(z.string(), z.string().nullable()),
    resourceTypes: z.array(z.string().regex(/^AWS::\w+::\w+$/, 'must look like AWS::S3::Bucket')).nullable(),
    deprecated: z.boolean(),
    /** Other IDs findings may carry for this control (an older spelling, the 2022 control ID). */
    aliases: z.array(z.string().regex(controlIdPattern, 'must look like S3.1')).default([]),
    /** For a retired control: the control that took over its check, where AWS names one. */
    replacedBy: z.string().regex(controlIdPattern, 'must look like S3.1').nullable().default(null),
    /** Facts that needed a decision (sources that disagree, a gap in the reference), in English. */
    notes: z.array(z.string().min(1).max(500)).default([]),
  })
  .strict()
  .superRefine((control, ctx) => {
    if (!control.id.startsWith(`${control.service}.`)) {
      ctx.addIssue({ code: 'custom', path: ['service'], message: `must be the part of id before the dot` });
    }
    if (control.scheduleType === null && !control.deprecated) {
      ctx.addIssue({
        code: 'custom',
        path: ['scheduleType'],
        message: 'only a retired control may lack one',
      });
    }
    if (!control.links.ja.includes('/ja_jp/')) {
      ctx.addIssue({
        code: 'custom',
        path: ['links', 'ja'],
        message: 'must point at the Japanese user guide',
      });
    }
  });

export type Control = z.infer<typeof Control>;
