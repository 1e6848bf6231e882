import type { i18n, TFunction } from 'i18next';
import type { z } from 'zod';
import type { Catalog } from '../src/catalog/catalog.ts';
import type { ChannelConfig, Config } from '../src/config/schema.ts';
import type { AwsSetupProbe, SlackSettings, SlackSetupProbe } from '../src/doctor/ports.ts';
import type { CheckEngine } from '../src/engine/check.ts';
import type { AwsPort } from '../src/engine/ports.ts';
import { AppError, invalidArguments } from '../src/errors.ts';
import type { Language, LanguagePreference } from '../src/i18n/index.ts';
import { languagesFor } from '../src/i18n/index.ts';
import type { Store } from '../src/store/store.ts';
import type { FlagSpec, ParsedArgv } from './argv.ts';
import type { DigestPoster } from './digest-run.ts';
import type { Doc } from './doc.ts';
import { joinDocs } from './doc.ts';

export type Surface = 'cli' | 'slack';

/** Progress of long work, shown on stderr by the CLI and by editing the message in Slack. */
export interface Progress {
  done: number;
  total: number;
  label?: string;
}

export interface Reply {
  doc: Doc;
  /** What `--json` prints; commands without a JSON form leave it out. */
  json?: unknown;
  /** CLI exit code: 0 fine, 1 something failed, 2 bad input, 3 an account could not be checked. */
  exitCode?: number;
  /** What the CLI prints as is instead of the document (the CSV export). */
  raw?: string;
  /** Slack: who sees it. Results go to the channel, help and errors to the asker only. */
  visibility?: 'channel' | 'private';
}

/** What the surfaces provide; lazily, so `explain` works with no config file and no AWS. */
export interface CommandServices {
  config(): Promise<Config>;
  checkEngine(): Promise<CheckEngine>;
  /** Slack only: remembers a user's reply language. */
  setUserLanguage?(userId: string, language: LanguagePreference): Promise<void>;
  /** What the digest needs: AWS access, the store, and (where Slack is set up) a poster. */
  digest?(): Promise<DigestServices>;
  /** What `doctor` needs: probes of AWS and Slack that change nothing. */
  doctor?(): Promise<DoctorServices>;
  /** What suppression commands need; undefined where there is no store. */
  suppression?(): Promise<SuppressionServices | undefined>;
}

export interface SuppressionServices {
  aws: AwsPort;
  store: Store;
  now?: () => number;
  /**
   * Slack: whether the user may suppress or lift (the policy's users and user groups). Left out in
   * the terminal, where the operator's own AWS permissions decide.
   */
  mayModify?(userId: string): Promise<boolean>;
  userName?(userId: string): Promise<string>;
}

export interface DoctorServices {
  aws: AwsSetupProbe;
  /** Left out when no bot token is set. */
  slack?: { probe: SlackSetupProbe; settings: SlackSettings; socketMode: boolean } | undefined;
  homeRegion: string;
  /** Slack: whether the user may run doctor (the suppression policy's users and groups). */
  mayRun?(userId: string): Promise<boolean>;
}

export interface DigestServices {
  aws: AwsPort;
  store: Store;
  poster?: DigestPoster | undefined;
  /** When the channel's scheduled digest runs next, if one is scheduled in this process. */
  nextRun?(channel: string): Date | null;
  now?: () => number;
}

export interface CommandContext {
  surface: Surface;
  language: LanguagePreference;
  i18n: i18n;
  catalog: Catalog;
  services: CommandServices;
  /** Slack only: who asked and where. */
  userId?: string;
  channelId?: string;
  channel?: ChannelConfig | undefined;
  progress?(progress: Progress): void;
}

export interface Subcommand<Args = unknown> {
  readonly name: string;
  readonly flags: FlagSpec;
  /** Validates the parsed words; the error message names what is wrong. */
  readonly args: z.ZodType<Args>;
  /** Where the command is offered; both when left out. */
  readonly surfaces?: readonly Surface[];
  /** Long work: Slack posts a placeholder at once and updates it with progress. */
  readonly longRunning?: boolean;
  run(args: Args, ctx: CommandContext): Promise<Reply>;
}

export function defineSubcommand<Args>(definition: Subcommand<Args>): Subcommand<Args> {
  return definition;
}

/** Renders once per language of the preference (Japanese first) and joins the parts. */
export function perLanguage(ctx: CommandContext, render: (t: TFunction, lang: Language) => Doc): Doc {
  return joinDocs(languagesFor(ctx.language).map((lang) => render(ctx.i18n.getFixedT(lang), lang)));
}

/** Validates parsed argv with a command's schema, turning zod issues into one bilingual error. */
export function parseArgs<Args>(command: Subcommand<Args>, argv: ParsedArgv): Args {
  const parsed = command.args.safeParse(argv);
  if (parsed.success) return parsed.data;
  // Schemas give locale keys (`args.*`) as messages; the first one says what to fix.
  const key = parsed.error.issues.map((issue) => issue.message).find((m) => m.startsWith('args.'));
  if (key) throw invalidArguments(key);
  const detail = parsed.error.issues.map((issue) => issue.message).join('; ');
  throw new AppError('invalid_arguments', detail, { params: { detail } });
}
