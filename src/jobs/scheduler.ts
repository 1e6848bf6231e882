import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { RefreshOutcome } from '../organization/directory.ts';
import type { Store } from '../store/store.ts';
import type { MaintenanceReport } from '../suppression/maintain.ts';

/**
 * The channels each digest job serves: one each, or (organization mode, `together`) every channel
 * with the same schedule and time zone, since they fall due at the same moment.
 */
export function digestGroups(channels: Config['channels'], together: boolean): Config['channels'][] {
  const groups = new Map<string, Config['channels']>();
  for (const channel of channels) {
    const key = together ? `${channel.digest.schedule}|${channel.digest.timezone}` : channel.id;
    groups.set(key, [...(groups.get(key) ?? []), channel]);
  }
  return [...groups.values()];
}

/**
 * One croner job per channel with a digest, in the channel's time zone. `/fsbp digest off` is read
 * at each run, so switching it needs no restart.
 */
export function scheduleDigests(options: {
  config: Config;
  store: Store;
  logger: Logger;
  run: (channel: string) => Promise<unknown>;
  /**
   * Organization mode: the channels whose digests fall due together (same schedule and time zone)
   * in one call, so one read through the administrator serves them all.
   */
  runTogether?: (channels: string[]) => Promise<unknown>;
  /** The suppression job: lifts expired suppressions, completes interrupted ones, lets unanswered requests lapse. */
  maintain: () => Promise<MaintenanceReport>;
  /**
   * Organization mode: reads the saved discovery and discovers again once it is older than
   * `discover.refreshMinutes` (under a lease, so one replica does it; the others read its list).
   */
  discover?: () => Promise<RefreshOutcome>;
  /**
   * How often each replica looks for a digest run left unfinished (its holder died): the run's
   * lease has then run out and this replica completes it. Every minute unless set.
   */
  resumeSchedule?: string;
  /** The suppression job's cron; every 10 minutes unless set. */
  maintenanceSchedule?: string;
}) {
  const jobs = new Map<string, Cron>();
  for (const channels of digestGroups(options.config.channels, Boolean(options.runTogether))) {
    const first = channels[0] as Config['channels'][number];
    const job = new Cron(
      first.digest.schedule,
      { timezone: first.digest.timezone, protect: true },
      async () => {
        const due: string[] = [];
        for (const channel of channels) {
          const enabled = (await options.store.digestEnabled(channel.id)) ?? channel.digest.enabled;
          if (enabled) due.push(channel.id);
        }
        if (due.length === 0) return;
        try {
          if (options.runTogether) await options.runTogether(due);
          else await options.run(due[0] as string);
        } catch (error) {
          options.logger.error({ err: error, channels: due }, 'scheduled digest failed');
        }
      },
    );
    for (const channel of channels) jobs.set(channel.id, job);
  }
  const resume = new Cron(options.resumeSchedule ?? resumeSchedule, { protect: true }, async () => {
    for (const channel of options.config.channels) {
      try {
        if (await options.store.unfinishedDigest(channel.id)) await options.run(channel.id);
      } catch (error) {
        options.logger.error({ err: error, channel: channel.id }, 'resuming a digest failed');
      }
    }
  });
  const maintenance = new Cron(
    options.maintenanceSchedule ?? maintenanceSchedule,
    { protect: true },
    async () => {
      try {
        const report = await options.maintain();
        if (
          report.expired.length +
            report.completed.length +
            report.approvalExpired.length +
            report.failed.length >
          0
        ) {
          options.logger.info(report, 'suppressions maintained');
        } else {
          options.logger.debug(
            { ran: report.ran },
            report.ran
              ? 'suppression job: nothing to do'
              : 'suppression job: another replica holds its lease',
          );
        }
      } catch (error) {
        options.logger.error({ err: error }, 'suppression maintenance failed');
      }
    },
  );
  const discovery = options.discover
    ? new Cron(discoverySchedule, { protect: true }, async () => {
        try {
          await options.discover?.();
        } catch (error) {
          options.logger.error({ err: error }, 'discovering the organization failed');
        }
      })
    : undefined;
  return {
    nextRun(channel: string): Date | null {
      return jobs.get(channel)?.nextRun() ?? null;
    },
    stop() {
      for (const job of new Set(jobs.values())) job.stop();
      maintenance.stop();
      resume.stop();
      discovery?.stop();
    },
  };
}

/** Expired suppressions are lifted, and interrupted ones completed, within this cron's period. */
export const maintenanceSchedule = '*/10 * * * *';

/** How often a replica looks whether the organization's accounts are due for discovery (a store read). */
export const discoverySchedule = '* * * * *';

/** A digest run whose replica died is completed within its lease plus this cron's period. */
export const resumeSchedule = '* * * * *';
