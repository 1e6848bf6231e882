import { describe, expect, it } from 'vitest';
import { calendarDaysBetween, defaultSla, slaStatus } from '../../src/digest/sla.ts';

const TZ = 'Asia/Tokyo';
/** 2026-11-01 09:30 in Tokyo. */
const since = '2026-11-01T00:30:00.000Z';

describe('SLA standing', () => {
  it('CRITICAL (7 days) is not overdue through the whole 7th day in Tokyo, and 1 day over from its midnight', () => {
    const lastMinuteOfDay7 = Date.parse('2026-11-08T14:59:59.000Z'); // 2026-11-08 23:59:59 JST
    const firstMinuteOfDay8 = Date.parse('2026-11-08T15:00:00.000Z'); // 2026-11-09 00:00 JST
    expect(slaStatus({ severity: 'CRITICAL', since }, defaultSla, lastMinuteOfDay7, TZ)).toEqual({
      state: 'due_soon',
      ageDays: 7,
      slaDays: 7,
      daysOver: 0,
    });
    expect(slaStatus({ severity: 'CRITICAL', since }, defaultSla, firstMinuteOfDay8, TZ)).toEqual({
      state: 'overdue',
      ageDays: 8,
      slaDays: 7,
      daysOver: 1,
    });
    // The same instant read in UTC is still the 8th: the configured zone decides.
    expect(slaStatus({ severity: 'CRITICAL', since }, defaultSla, firstMinuteOfDay8, 'UTC').state).toBe(
      'due_soon',
    );
  });

  it('is due soon in the last 20% of the SLA, ok before, and never overdue while suppressed', () => {
    const at = (days: number) => Date.parse(since) + days * 86_400_000;
    expect(slaStatus({ severity: 'HIGH', since }, defaultSla, at(23), TZ).state).toBe('ok');
    expect(slaStatus({ severity: 'HIGH', since }, defaultSla, at(24), TZ).state).toBe('due_soon');
    expect(slaStatus({ severity: 'HIGH', since }, defaultSla, at(31), TZ).state).toBe('overdue');
    expect(slaStatus({ severity: 'HIGH', since }, defaultSla, at(200), TZ, true)).toMatchObject({
      state: 'suppressed',
      daysOver: 0,
      ageDays: 200,
    });
    // An unknown label is held to the loosest SLA rather than dropped.
    expect(slaStatus({ severity: 'INFORMATIONAL', since }, defaultSla, at(100), TZ).slaDays).toBe(180);
  });

  it('counts calendar days across a DST change where the zone has one', () => {
    expect(calendarDaysBetween('2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z', 'America/New_York')).toBe(2);
  });
});

describe('SLA standing from the minute a failure began', () => {
  // The organization digest counts open failures by the minute (UTC) they began; that only holds if
  // no time zone starts its day inside a minute.
  it('is the same as from the exact instant, in every time zone, around each local midnight', () => {
    const now = Date.parse('2026-12-03T12:34:56.789Z');
    const zones = Intl.supportedValuesOf('timeZone');
    expect(zones.length).toBeGreaterThan(300);
    const differ: string[] = [];
    let compared = 0;
    for (const timeZone of zones) {
      for (const day of [2, 31]) {
        // Just before and after every quarter hour of a day: where any zone's midnight falls.
        const start = now - (now % 86_400_000) - day * 86_400_000;
        for (let quarter = -48; quarter <= 56; quarter += 1) {
          for (const offsetMs of [-1, 0, 59_999]) {
            const exact = new Date(start + quarter * 900_000 + offsetMs).toISOString();
            const minute = `${exact.slice(0, 16)}:00.000Z`;
            const a = slaStatus({ severity: 'CRITICAL', since: exact }, defaultSla, now, timeZone);
            const b = slaStatus({ severity: 'CRITICAL', since: minute }, defaultSla, now, timeZone);
            if (a.ageDays !== b.ageDays || a.state !== b.state) differ.push(`${timeZone} ${exact}`);
            compared += 1;
          }
        }
      }
    }
    expect(differ).toEqual([]);
    expect(compared).toBe(zones.length * 2 * 105 * 3);
  });
});
