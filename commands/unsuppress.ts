import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { text } from '../src/document/doc.ts';
import { AppError, invalidArguments } from '../src/errors.ts';
import { chooseAccounts, requesterOf } from '../src/subcommand/account-access.ts';
import { defineSubcommand, perLanguage } from '../src/subcommand/define.ts';
import { liftSuppression } from '../src/suppression/lift.ts';
import { workflowFor } from '../src/suppression/maintain.ts';
import { endedStates } from '../src/suppression/types.ts';
import { suppressionServices } from './suppressions.ts';

const Args = z.object({
  positionals: z
    .array(z.string())
    .length(1, 'args.unsuppressId')
    .transform((p) => Number((p[0] ?? '').replace(/^#/, '')))
    .pipe(z.number({ error: 'args.unsuppressId' }).int('args.unsuppressId').positive('args.unsuppressId')),
  flags: z.object({ reason: z.string().optional() }),
});

/** How long `unsuppress` waits for an apply of the same suppression to finish before it refuses. */
const liftWaitMs = 60_000;

export const unsuppress = defineSubcommand({
  name: 'unsuppress',
  flags: { reason: 'string' },
  args: Args,
  async run(args, ctx) {
    const config = await ctx.services.config();
    const services = await suppressionServices(ctx);
    const reason = (args.flags.reason ?? '').trim();
    if ([...reason].length < config.suppression.minReasonLength) {
      throw invalidArguments('args.unsuppressReason', { min: config.suppression.minReasonLength });
    }
    const actor = requesterOf(ctx);
    if (services.mayModify && !(await services.mayModify(actor))) {
      throw new AppError('not_allowed', `${actor} may not lift suppressions`, {
        params: { reason: 'suppression.allowedUsers / allowedUserGroups' },
      });
    }
    const id = args.positionals;
    const suppression = await services.store.getSuppression(id);
    // In Slack, only suppressions of the channel's accounts are visible: others look unknown.
    const directory = await ctx.services.accounts();
    const visible = chooseAccounts(ctx, await directory.view(), []).map((a) => a.id);
    if (!suppression || !visible.includes(suppression.accountId)) {
      throw new AppError('unknown_suppression', `no suppression ${id}`, { params: { id } });
    }
    if (endedStates.includes(suppression.state)) {
      throw invalidArguments('args.suppressionEnded', { id, state: suppression.state });
    }
    if (suppression.state === 'awaiting_approval') throw invalidArguments('args.unsuppressWaiting', { id });
    // The AWS session is named after the user who asked (CloudTrail shows `fsbp-<user>`).
    const workflow = await workflowFor(
      { aws: services.aws, accounts: directory },
      suppression.accountId,
      suppression.region,
      actor,
    );
    // Under the suppression's lock: an apply still running is waited for, then every finding it
    // may have touched is set back to NEW.
    const outcome = await liftSuppression(services.store, workflow, id, {
      state: 'lifted',
      actor,
      actorName: (await services.userName?.(actor)) ?? actor,
      reason,
      holder: randomUUID(),
      waitMs: liftWaitMs,
    });
    const lifted = outcome.failed.length === 0;
    const doc = perLanguage(ctx, (t) => [
      text([
        lifted
          ? t('unsuppress.done', { id, count: outcome.reset })
          : t('unsuppress.refused', { id, count: outcome.failed.length }),
      ]),
    ]);
    return {
      doc,
      json: { suppression: outcome.suppression, failed: outcome.failed },
      exitCode: lifted ? 0 : 1,
      visibility: 'channel',
    };
  },
});
