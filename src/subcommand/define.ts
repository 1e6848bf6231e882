import type { i18n, TFunction } from 'i18next';
import type { z } from 'zod';
import type { Catalog } from '../catalog/catalog.ts';
import type { ControlCatalog } from '../catalog/sync.ts';
import type { ChannelConfig, Config } from '../config/schema.ts';
import type { AwsSetupProbe, SlackSettings, SlackSetupProbe } from '../doctor/ports.ts';
import type { Doc, DocPoster } from '../document/doc.ts';
import { joinDocs } from '../document/doc.ts';
import type { CheckEngine } from '../engine/check.ts';
import type { Enablement } from '../engine/enablement.ts';
import type { AwsPort } from '../engine/ports.ts';
import { AppError, invalidArguments } from '../errors.ts';
import type { Language, LanguagePreference } from '../i18n/index.ts';
import { languagesFor } from '../i18n/index.ts';
import type { AccountDirectory } from '../organization/directory.ts';
import type { HoldOptions } from '../store/lease.ts';
import type { StoreLocation } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import type { FlagSpec, ParsedArgv } from './argv.ts';

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
  /** The accounts: the config's (per-account mode) or the organization's as last discovered. */
  accounts(): Promise<AccountDirectory>;
  checkEngine(): Promise<CheckEngine>;
  /** Slack only: remembers a user's reply language. */
  setUserLanguage?(userId: string, language: LanguagePreference): Promise<void>;
  /** What the digest needs: AWS access, the store, and (where Slack is set up) a poster. */
  digest?(): Promise<DigestServices>;
  /** The configured store (CLI: FSBP_STORE), for `audit verify`. */
  store?(): Promise<Store>;
  /** CLI: opens a store at another location, for `store copy`; the caller closes it. */
  storeAt?(location: StoreLocation): Promise<Store>;
  /** What `doctor` needs: probes of AWS and Slack that change nothing. */
  doctor?(): Promise<DoctorServices>;
  /** What suppression commands need; undefined where there is no store. */
  suppression?(): Promise<SuppressionServices | undefined>;
  /** The controls as AWS has them; refused (rejects) where there is no config to say which account asks. */
  controls?(): Promise<ControlServices>;
}

export interface ControlServices {
  /** The catalog with AWS's list of controls (read daily, kept in the store). */
  catalog: ControlCatalog;
  /** For `explain --account`: the account's own enablement and parameters. */
  aws: AwsPort;
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
  poster?: DocPoster | undefined;
  /** When the channel's scheduled digest runs next, if one is scheduled in this process. */
  nextRun?(channel: string): Date | null;
  /**
   * Slack: whether the user may turn the channel's digest on or off (`digest.managers`, else the
   * suppression policy). Left out in the terminal, where the operator decides.
   */
  mayManage?(userId: string): Promise<boolean>;
  now?: () => number;
  /** The digest run's lease (FSBP_DIGEST_LEASE_SECONDS). */
  lease?: HoldOptions | undefined;
  /** Which controls each account-Region has disabled (shared with checks). */
  enablement?: Enablement | undefined;
  /** An account-Region whose disabled controls could not be read (its findings count as enabled), for the log. */
  onEnablementError?: ((where: { accountId: string; region: string }, error: unknown) => void) | undefined;
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
  /**
   * Slack: the request is valid and the long work starts now (the channel is told). A command calls it
   * after checking its input, so a refused request is answered to the asker only.
   */
  begin?(): Promise<void>;
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
