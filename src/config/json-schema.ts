import { z } from 'zod';
import { Config } from './schema.ts';

/** Where the committed schema lives, relative to the package root; editors find it through `$schema`. */
export const configSchemaFile = 'fsbp.config.schema.json';

/**
 * The config's JSON Schema, generated from the zod schema so editors complete and check the same keys
 * the bot accepts (cross-field rules such as "channels name known accounts" stay in zod only).
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(Config, { io: 'input', unrepresentable: 'any' }),
    title: 'fsbp-bot configuration',
  };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
