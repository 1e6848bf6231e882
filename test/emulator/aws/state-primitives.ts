// Small value schemas shared by the emulator's state modules.
import { z } from 'zod';

export const IsoDate = z
  .string()
  .refine(
    (s) => !Number.isNaN(Date.parse(s)),
    'must be an ISO-8601 date string such as 2024-05-01T00:00:00Z',
  );
export const AccountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account ID');
export const RegionName = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS Region code such as ap-northeast-1');
