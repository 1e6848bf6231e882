import pino, { type Logger } from 'pino';

/** Paths pino blanks out wherever they appear: a token or secret never reaches a log line. */
export const redactPaths = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'secretAccessKey',
  'sessionToken',
  'authorization',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.authorization',
  '*.headers.authorization',
  '*.credentials',
];

/** Strings that look like Slack tokens are masked inside free text too (error messages, URLs). */
export function maskSecrets(text: string): string {
  return text.replace(/\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+/g, 'x***-REDACTED');
}

export function createLogger(
  options: { level?: string | undefined; destination?: pino.DestinationStream | undefined } = {},
): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: redactPaths, censor: '[REDACTED]' },
      // Errors keep their message and stack (JSON.stringify alone drops them) before secrets are masked.
      formatters: {
        log: (object) =>
          JSON.parse(
            maskSecrets(
              JSON.stringify(object, (_key, value) =>
                value instanceof Error ? pino.stdSerializers.err(value) : value,
              ),
            ),
          ),
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? maskSecrets(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    options.destination,
  );
}
