import { findSubcommand, subcommands, suggestCommand } from '../../commands/index.ts';
import { loadCatalog } from '../catalog/load.ts';
import { errorMessage } from '../document/error-doc.ts';
import { AppError, asAppError, type ErrorCode, invalidArguments } from '../errors.ts';
import { createI18n, type LanguagePreference, languageFromLocale } from '../i18n/index.ts';
import { type FlagSpec, parseArgv } from '../subcommand/argv.ts';
import { type CommandContext, parseArgs } from '../subcommand/define.ts';
import { renderText } from './render-text.ts';
import { createCliServices } from './services.ts';
import { terminalInline, terminalJson, terminalLines } from './terminal-text.ts';

const globalFlags: FlagSpec = { json: 'boolean', lang: 'string', help: 'boolean' };

const inputErrors: readonly ErrorCode[] = [
  'invalid_arguments',
  'unknown_command',
  'unknown_control',
  'unknown_target',
  'unknown_account',
  'account_not_configured',
  'region_not_configured',
  'too_many_targets',
  'digest_cooldown',
  'unknown_suppression',
  'suppression_target_gone',
  'not_allowed',
  'config_invalid',
];

/** 2 for anything the user can fix in the command line or config, 3 for AWS refusals, 70 for bugs. */
export function exitCodeFor(error: AppError): number {
  if (inputErrors.includes(error.code)) return 2;
  if (error.code.startsWith('aws_') || error.code === 'accounts_not_discovered') return 3;
  if (error.code === 'store_copy_failed') return 1;
  return 70;
}

function languageFrom(flag: unknown, env: NodeJS.ProcessEnv): LanguagePreference {
  if (flag !== undefined) {
    if (flag === 'ja' || flag === 'en' || flag === 'both') return flag;
    throw invalidArguments('args.langFlag');
  }
  const fromEnv = env.FSBP_LANG;
  if (fromEnv === 'ja' || fromEnv === 'en' || fromEnv === 'both') return fromEnv;
  return languageFromLocale(env.LC_ALL || env.LC_MESSAGES || env.LANG) ?? 'en';
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
};

/** `fsbp serve`: runs the Slack app until SIGINT/SIGTERM. */
async function serve(io: CliIo): Promise<number> {
  const { startBot } = await import('../app.ts');
  const bot = await startBot(io.env);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await bot.stop();
  return 0;
}

/** Runs one CLI invocation and returns its exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const i18n = createI18n();
  const services = createCliServices(io.env);
  try {
    const [name = 'help', ...rest] = argv[0] === '--help' || argv[0] === '-h' ? ['help'] : argv;
    if (name === 'serve') return await serve(io);
    const command = findSubcommand(name);
    if (!command || (command.surfaces && !command.surfaces.includes('cli'))) {
      const offered = subcommands.filter((c) => !c.surfaces || c.surfaces.includes('cli')).map((c) => c.name);
      throw new AppError('unknown_command', `unknown command ${name}`, {
        params: { command: name.slice(0, 40), suggestion: suggestCommand(name, offered) },
      });
    }
    const parsed = parseArgv(rest, { ...globalFlags, ...command.flags });
    const language = languageFrom(parsed.flags.lang, io.env);
    const catalog = loadCatalog();
    const ctx: CommandContext = {
      surface: 'cli',
      language,
      i18n,
      catalog,
      services,
      progress: io.isTTY
        ? (p) => io.stderr(`\r${p.done}/${p.total} ${terminalInline(p.label ?? '')}\x1b[K`)
        : undefined,
    };
    const help = findSubcommand('help');
    if (parsed.flags.help && help) {
      const reply = await help.run({ topic: command.name } as never, ctx);
      io.stdout(renderText(reply.doc, { color: io.isTTY }));
      return 0;
    }
    const args = parseArgs(command, parsed);
    const reply = await command.run(args, ctx);
    if (ctx.progress) io.stderr('\r\x1b[K');
    if (parsed.flags.json) io.stdout(`${terminalJson(JSON.stringify(reply.json ?? null, null, 2))}\n`);
    else if (reply.raw !== undefined) io.stdout(terminalLines(reply.raw));
    else io.stdout(renderText(reply.doc, { color: io.isTTY }));
    return reply.exitCode ?? 0;
  } catch (error) {
    const appError = asAppError(error);
    io.stderr(`${terminalLines(errorMessage(appError, i18n))}\n`);
    if (
      appError.code === 'internal' ||
      appError.code === 'config_invalid' ||
      appError.code === 'catalog_invalid' ||
      appError.code === 'store_copy_failed'
    ) {
      io.stderr(`${terminalLines(appError.message)}\n`);
    }
    return exitCodeFor(appError);
  } finally {
    await services.close();
  }
}
