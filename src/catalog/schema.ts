import { z } from 'zod';

export const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export const Severity = z.enum(severities);
export type Severity = z.infer<typeof Severity>;

/** Higher is worse; used for sorting and for `minSeverity`. */
export const severityRank: Record<Severity, number> = { CRITICAL: 4, HIGH: 3, MEDIUM: 2, LOW: 1 };

/**
 * How AWS Config runs the rule. AWS's control pages spell the third one "Change triggered and periodic"; the
 * catalog keeps its 2022 spelling PERIODIC_AND_CHANGE_TRIGGERED for it (the reference's
 * CHANGE_TRIGGERED_AND_PERIODIC is the same schedule).
 */
export const ScheduleType = z.enum(['CHANGE_TRIGGERED', 'PERIODIC', 'PERIODIC_AND_CHANGE_TRIGGERED']);
export type ScheduleType = z.infer<typeof ScheduleType>;

export const controlIdPattern = /^[A-Za-z0-9]+\.\d+$/;

/**
 * CloudFormation-style resource types. `AWS::::Account` is the one form without a service: AWS's control pages
 * use it for account-level controls (Account.1, IAM.6, ...), and Security Hub reports the account as the resource.
 */
export const resourceTypePattern = /^(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+|AWS::::Account)$/;

/** A Config rule parameter name as the rule defines it (ASCII identifier, e.g. `maxAccessKeyAge`). */
export const parameterNamePattern = /^[A-Za-z][A-Za-z0-9_]*$/;

const userGuide = 'https://docs.aws.amazon.com/securityhub/latest/userguide/';
const userGuideJa = 'https://docs.aws.amazon.com/ja_jp/securityhub/latest/userguide/';

/**
 * The user guide page of a security control ID, in the layout AWS uses since 2023:
 * `<service>-controls.html#<service>-<n>`, service lowercased (`ELB.1` -> `elb-controls.html#elb-1`).
 */
export function docsPage(securityControlId: string, lang: 'ja' | 'en'): string {
  const [service = '', number = ''] = securityControlId.toLowerCase().split('.');
  return `${lang === 'ja' ? userGuideJa : userGuide}${service}-controls.html#${service}-${number}`;
}

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
    /** Config rule parameters and their Security Hub defaults (null: the rule's parameter has no default). */
    parameters: z.record(z.string(), z.string().nullable()).superRefine((parameters, ctx) => {
      for (const key of Object.keys(parameters)) {
        if (!parameterNamePattern.test(key)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'must be the Config rule parameter name (an ASCII identifier such as maxAccessKeyAge)',
          });
        }
      }
    }),
    resourceTypes: z
      .array(z.string().regex(resourceTypePattern, 'must look like AWS::S3::Bucket (or AWS::::Account)'))
      .nullable(),
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
    for (const lang of ['ja', 'en'] as const) {
      const expected = docsPage(control.securityControlId, lang);
      // A retired control's section may be gone from the page; its link may then stop at the page.
      const pageOnly = control.deprecated && control.links[lang] === expected.replace(/#.*$/, '');
      if (control.links[lang] !== expected && !pageOnly) {
        ctx.addIssue({ code: 'custom', path: ['links', lang], message: `must be ${expected}` });
      }
    }
    if (control.replacedBy !== null && !control.deprecated) {
      ctx.addIssue({ code: 'custom', path: ['replacedBy'], message: 'only a retired control is replaced' });
    }
  });

export type Control = z.infer<typeof Control>;
