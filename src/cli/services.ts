import { createAwsSetupProbe } from '../aws/setup-probe.ts';
import { homeRegion } from '../env.ts';
import { createServices, type Services } from '../services.ts';
import { openStore } from '../store/open.ts';
import type { CommandServices } from '../subcommand/define.ts';

export interface CliServices extends CommandServices {
  close(): Promise<void>;
}

/** Services for the terminal, built on first use: `explain` needs neither a config nor AWS. */
export function createCliServices(env: NodeJS.ProcessEnv): CliServices {
  // Parsed on first use too, so `explain` works whatever the environment holds.
  let shared: Services | undefined;
  const services = () => {
    // No schedule refreshes the organization's accounts here: a list older than its refresh period is
    // discovered again before use.
    shared ??= createServices(env, { discovery: { refreshWhenStale: true } });
    return shared;
  };
  return {
    async config() {
      return (await services().config()).config;
    },
    async checkEngine() {
      return services().checkEngine();
    },
    accounts() {
      return services().accounts();
    },
    store() {
      return services().store();
    },
    async storeAt(location) {
      return openStore(location);
    },
    async controls() {
      // Only with a config: it says which account reads AWS's list (and the store keeps it).
      await services().config();
      return { catalog: services().controls(), aws: services().aws() };
    },
    async suppression() {
      return { aws: services().aws(), store: await services().store() };
    },
    async digest() {
      const store = await services().store();
      // Loaded only here, so commands that never post do not load the Slack client.
      const { createCliPoster } = await import('../slack/poster.ts');
      return {
        aws: services().aws(),
        store,
        poster: createCliPoster(env),
        enablement: services().enablement(),
      };
    },
    async doctor() {
      const { createSlackSetupProbe, slackSettings } = await import('../slack/setup-probe.ts');
      return {
        aws: createAwsSetupProbe({ concurrency: services().env.FSBP_CONCURRENCY }),
        slack: env.SLACK_BOT_TOKEN
          ? {
              probe: createSlackSetupProbe(env),
              settings: slackSettings(env),
              socketMode: Boolean(env.SLACK_APP_TOKEN),
            }
          : undefined,
        homeRegion: homeRegion(services().env),
      };
    },
    async close() {
      await shared?.close();
    },
  };
}
