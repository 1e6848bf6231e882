import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Config } from '../../src/config/schema.ts';
import { AppError } from '../../src/errors.ts';
import { createAccountDirectory, staticAccountDirectory } from '../../src/organization/directory.ts';
import type { OrganizationReader } from '../../src/organization/ports.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';

const config = Config.parse({
  organization: {
    adminAccount: { id: '999999999999' },
    homeRegion: 'ap-northeast-1',
    memberRole: { name: 'fsbp-member' },
    discover: { source: 'securityhub', refreshMinutes: 60 },
  },
  channels: [{ id: 'C0123456789', accounts: ['*'] }],
});

/** The AWS side as a port: members as given, each read counted, failing on demand. */
function reader(state: { members: string[]; fail?: boolean; reads: number }): OrganizationReader {
  return {
    async securityHubMembers(count) {
      state.reads += 1;
      count('ListMembers');
      if (state.fail)
        throw new AppError('aws_access_denied', 'ListMembers refused', {
          params: { reason: 'AccessDeniedException' },
        });
      return [...state.members];
    },
    async organizationTree() {
      throw new Error('not this source');
    },
    async findingAggregation(count) {
      count('ListFindingAggregators');
      return null;
    },
  };
}

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function setup() {
  const clock = { at: Date.parse('2026-11-30T00:00:00.000Z') };
  const path = join(mkdtempSync(join(tmpdir(), 'fsbp-directory-')), 'fsbp.db');
  const open = () => {
    const store = openSqliteStore({ path, now: () => clock.at });
    stores.push(store);
    return store;
  };
  const aws = { members: ['111111111111', '222222222222'], reads: 0 } as {
    members: string[];
    fail?: boolean;
    reads: number;
  };
  const errors: unknown[] = [];
  const directory = (holder: string, extra: { refreshWhenStale?: boolean; store?: Store } = {}) =>
    createAccountDirectory({
      config,
      store: extra.store ?? open(),
      reader: () => reader(aws),
      holder,
      now: () => clock.at,
      reloadMs: 60_000,
      waitForOtherMs: 0,
      sleep: async () => {},
      onError: (e) => errors.push(e),
      ...(extra.refreshWhenStale ? { refreshWhenStale: true } : {}),
    });
  return { clock, aws, errors, directory, open };
}

const ids = async (d: { view(): Promise<{ all(): readonly { id: string }[] }> }) =>
  (await d.view()).all().map((a) => a.id);

describe('the account directory in organization mode', () => {
  it('discovers once, saves it, and a restart reads the saved list without calling AWS', async () => {
    const { aws, directory } = setup();
    expect(await ids(directory('a'))).toEqual(['111111111111', '222222222222', '999999999999']);
    expect(aws.reads).toBe(1);
    aws.members = ['333333333333'];
    expect(await ids(directory('restarted'))).toEqual(['111111111111', '222222222222', '999999999999']);
    expect(aws.reads).toBe(1);
  });

  it('the schedule rediscovers only once the list is refreshMinutes old, and other replicas see it', async () => {
    const { aws, clock, directory } = setup();
    const a = directory('a');
    const b = directory('b');
    await a.view();
    expect(await ids(b)).toEqual(['111111111111', '222222222222', '999999999999']);
    expect((await a.refreshIfDue()).status).toBe('fresh');
    expect(aws.reads).toBe(1);
    aws.members = ['333333333333'];
    clock.at += 60 * 60_000;
    const outcome = await a.refreshIfDue();
    expect(outcome.status).toBe('discovered');
    expect(outcome.calls).toEqual({ ListMembers: 1, ListFindingAggregators: 1 });
    expect(aws.reads).toBe(2);
    // b read the store before a's rediscovery; it reads it again once reloadMs has passed.
    expect(await ids(b)).toEqual(['333333333333', '999999999999']);
  });

  it('one replica discovers at a time: the other is told it is busy', async () => {
    const { directory, open } = setup();
    const store = open();
    const [first, second] = await Promise.all([
      directory('a', { store }).refresh(),
      directory('b', { store }).refresh(),
    ]);
    expect([first.status, second.status].sort()).toEqual(['busy', 'discovered']);
  });

  it('keeps the saved list when a rediscovery fails, and says why when there is none', async () => {
    const { aws, clock, errors, directory } = setup();
    aws.fail = true;
    const none = directory('a').view();
    await expect(none).rejects.toMatchObject({
      code: 'aws_access_denied',
      params: { reason: 'AccessDeniedException' },
    });
    aws.fail = false;
    const d = directory('a', { refreshWhenStale: true });
    await d.view();
    aws.fail = true;
    clock.at += 2 * 60 * 60_000;
    expect(await ids(directory('cli', { refreshWhenStale: true }))).toEqual([
      '111111111111',
      '222222222222',
      '999999999999',
    ]);
    expect(errors).toHaveLength(1);
  });

  it('in the terminal, rediscovers a list older than refreshMinutes before using it', async () => {
    const { aws, clock, directory } = setup();
    await directory('a').view();
    aws.members = ['444444444444'];
    clock.at += 61 * 60_000;
    expect(await ids(directory('bot'))).toEqual(['111111111111', '222222222222', '999999999999']);
    expect(await ids(directory('cli', { refreshWhenStale: true }))).toEqual(['444444444444', '999999999999']);
  });
});

describe('the account directory in per-account mode', () => {
  it('is the config: nothing to discover, no store needed', async () => {
    const perAccount = Config.parse({ accounts: [{ id: '111111111111', regions: ['ap-northeast-1'] }] });
    const directory = staticAccountDirectory(perAccount);
    expect(directory.mode).toBe('accounts');
    expect(await ids(directory)).toEqual(['111111111111']);
    expect((await directory.refresh()).status).toBe('static');
  });
});
