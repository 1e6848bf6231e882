import { describe, expect, it } from 'vitest';
import {
  looksLikeSelector,
  parseSelector,
  route,
  type Selectable,
  select,
} from '../../src/organization/selectors.ts';

const payments = 'ou-ab12-payments1';
const workloads = 'ou-ab12-workload1';
const sandbox = 'ou-ab12-sandbox01';

/** Workloads > Payments (nested), Sandbox beside it. */
const accounts: Selectable[] = [
  {
    id: '111111111111',
    name: 'pay-prod',
    ous: [workloads, payments],
    tags: { team: 'payments', env: 'prod' },
  },
  { id: '222222222222', name: 'pay-dev', ous: [workloads, payments], tags: { team: 'payments', env: 'dev' } },
  { id: '333333333333', name: 'web-prod', ous: [workloads], tags: { team: 'web', env: 'prod' } },
  { id: '444444444444', name: 'play', ous: [sandbox], tags: { 'cost=center': 'a=b' } },
  { id: '555555555555', ous: [], tags: {} },
];

const ids = (list: readonly { id: string }[]) => list.map((a) => a.id);

describe('parseSelector', () => {
  it('tells IDs, OUs, tags, * and names apart', () => {
    expect(parseSelector('*').kind).toBe('all');
    expect(parseSelector('111111111111').kind).toBe('id');
    expect(parseSelector('ou-examplerootid111-exampleouid111').kind).toBe('ou');
    expect(parseSelector('tag:team=payments')).toEqual({
      kind: 'tag',
      text: 'tag:team=payments',
      key: 'team',
      value: 'payments',
    });
    // The key ends at the first `=`; the value may hold more of them, or be empty.
    expect(parseSelector('tag:cost=a=b')).toMatchObject({ key: 'cost', value: 'a=b' });
    expect(parseSelector('tag:owner=')).toMatchObject({ key: 'owner', value: '' });
    expect(parseSelector('1111')).toMatchObject({ kind: 'name' });
    expect(parseSelector('Production Account')).toMatchObject({ kind: 'name' });
  });

  it('takes only OUs, tags and * for selectors among check words', () => {
    expect(
      ['ou-ab12-payments1', 'tag:team=web', '*', 'S3', 'prod', '111111111111'].map(looksLikeSelector),
    ).toEqual([true, true, true, false, false, false]);
  });
});

describe('organization routing', () => {
  it('routes by ID, name, nested OU, tag and *, saying which selector matched', () => {
    const { routes, unmatched } = route(
      accounts,
      ['333333333333', 'pay-dev', workloads, 'tag:env=prod'],
      [],
      'organization',
    );
    expect(routes.map((r) => [r.account.id, r.matchedBy])).toEqual([
      ['111111111111', [workloads, 'tag:env=prod']],
      ['222222222222', ['pay-dev', workloads]],
      ['333333333333', ['333333333333', workloads, 'tag:env=prod']],
    ]);
    expect(unmatched).toEqual([]);
    expect(ids(route(accounts, ['*'], [], 'organization').routes.map((r) => r.account))).toEqual(
      ids(accounts),
    );
  });

  it('takes a child OU when its parent is named, and not the other way round', () => {
    expect(ids(select(accounts, workloads, 'organization'))).toEqual([
      '111111111111',
      '222222222222',
      '333333333333',
    ]);
    expect(ids(select(accounts, payments, 'organization'))).toEqual(['111111111111', '222222222222']);
  });

  it('excludes the same ways, and reports what exclude took out', () => {
    const routing = route(accounts, [workloads], ['tag:env=dev', '333333333333'], 'organization');
    expect(ids(routing.routes.map((r) => r.account))).toEqual(['111111111111']);
    expect(routing.excluded.map((e) => [e.account.id, e.excludedBy])).toEqual([
      ['222222222222', ['tag:env=dev']],
      ['333333333333', ['333333333333']],
    ]);
    expect(
      ids(route(accounts, ['*'], [sandbox, payments], 'organization').routes.map((r) => r.account)),
    ).toEqual(['333333333333', '555555555555']);
  });

  it('names selectors that matched nothing (a typo, an empty OU, a tag nobody has)', () => {
    const routing = route(
      accounts,
      ['pay-prd', 'tag:team=Payments', sandbox],
      ['ou-ab12-nothing01'],
      'organization',
    );
    expect(ids(routing.routes.map((r) => r.account))).toEqual(['444444444444']);
    expect(routing.unmatched).toEqual(['pay-prd', 'tag:team=Payments', 'ou-ab12-nothing01']);
  });

  it('matches tags exactly: key and value, case and `=` included', () => {
    expect(ids(select(accounts, 'tag:cost=center=a=b', 'organization'))).toEqual([]);
    expect(ids(select(accounts, 'tag:team=payments', 'organization'))).toEqual([
      '111111111111',
      '222222222222',
    ]);
    // A tag named like an inherited property is not there unless the account has it.
    expect(ids(select(accounts, 'tag:constructor=', 'organization'))).toEqual([]);
  });
});

describe('per-account routing', () => {
  it('knows only IDs and names: an OU, a tag or * matches nothing', () => {
    expect(ids(select(accounts, '111111111111', 'accounts'))).toEqual(['111111111111']);
    expect(ids(select(accounts, 'web-prod', 'accounts'))).toEqual(['333333333333']);
    for (const selector of [workloads, 'tag:team=payments', '*']) {
      expect(select(accounts, selector, 'accounts')).toEqual([]);
    }
    const { routes } = route(accounts, ['play', '555555555555'], [], 'accounts');
    expect(routes.map((r) => [r.account.id, r.matchedBy])).toEqual([
      ['444444444444', ['play']],
      ['555555555555', ['555555555555']],
    ]);
  });
});
