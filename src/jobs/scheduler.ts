import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import type { MaintenanceReport } from '../suppression/maintain.ts';

/**
 * One croner job per channel with a digest, in the channel's time zone. `/fsbp digest off` is read
 * at each run, so switching it needs no restart.
 */
export function scheduleDigests(options: {
  config: Config;
  store: Store;
  logger: Logger;
  run: (channel: string) => Promise<unknown>;
  /** The suppression job: lifts expired suppressions and completes interrupted ones. */
  maintain: () => Promise<MaintenanceReport>;
  /**
   * How often each replica looks for a digest run left unfinished (its holder died): the run's
   * lease has then run out and this replica completes it. Every minute unless set.
   */
  resumeSchedule?: string;
  /** The suppression job's cron; every 10 minutes unless set. */
  maintenanceSchedule?: string;
}) {
  const jobs = new Map<string, Cron>();
  for (const channel of options.config.channels) {
    const job = new Cron(
      channel.digest.schedule,
      { timezone: channel.digest.timezone, protect: true },
      async () => {
        const enabled = (await options.store.digestEnabled(channel.id)) ?? channel.digest.enabled;
        if (!enabled) return;
        try {
          await options.run(channel.id);
        } catch (error) {
          options.logger.error({ err: error, channel: channel.id }, 'scheduled digest failed');
        }
      },
    );
    jobs.set(channel.id, job);
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
        if (report.expired.length + report.completed.length + report.failed.length > 0) {
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
  return {
    nextRun(channel: string): Date | null {
      return jobs.get(channel)?.nextRun() ?? null;
    },
    stop() {
      for (const job of jobs.values()) job.stop();
      maintenance.stop();
      resume.stop();
    },
  };
}

/** Expired suppressions are lifted, and interrupted ones completed, within this cron's period. */
export const maintenanceSchedule = '*/10 * * * *';

/** A digest run whose replica died is completed within its lease plus this cron's period. */
export const resumeSchedule = '* * * * *';
