import { describe, expect, it } from "vitest";
import {
  DEFAULT_POLICY,
  type EnvironmentPolicy,
  type FreezeWindow,
} from "@/lib/gitops-repo/policy/types";
import { activeFreeze, nextFreeze } from "@/lib/policy/freeze";

function policy(...freezes: FreezeWindow[]): EnvironmentPolicy {
  return { ...DEFAULT_POLICY, freezes };
}

const at = (iso: string) => new Date(iso);

const yearEnd: FreezeWindow = {
  kind: "range",
  from: "2026-12-24T00:00:00+01:00",
  to: "2027-01-02T08:00:00+01:00",
  reason: "Year-end freeze",
};

/** Friday 18:00 to Monday 08:00, Berlin time. */
const weekend: FreezeWindow = {
  kind: "recurring",
  cron: "0 18 * * FRI",
  durationMinutes: 62 * 60,
  timezone: "Europe/Berlin",
  reason: "Weekend",
};

describe("activeFreeze: date ranges", () => {
  it("is null without freezes", () => {
    expect(activeFreeze(DEFAULT_POLICY, at("2026-12-25T12:00:00Z"))).toBeNull();
  });

  it("includes from and excludes to", () => {
    const p = policy(yearEnd);
    expect(activeFreeze(p, at("2026-12-23T22:59:59.999Z"))).toBeNull();
    expect(activeFreeze(p, at("2026-12-23T23:00:00Z"))).toEqual({
      until: at("2027-01-02T07:00:00Z"),
      reason: "Year-end freeze",
    });
    expect(activeFreeze(p, at("2027-01-02T06:59:59.999Z"))?.until).toEqual(
      at("2027-01-02T07:00:00Z"),
    );
    expect(activeFreeze(p, at("2027-01-02T07:00:00Z"))).toBeNull();
  });

  it("takes the latest end among overlapping ranges and names both reasons", () => {
    const p = policy(yearEnd, {
      kind: "range",
      from: "2026-12-30T00:00:00Z",
      to: "2027-01-05T00:00:00Z",
      reason: "Migration",
    });
    expect(activeFreeze(p, at("2026-12-25T00:00:00Z"))).toEqual({
      until: at("2027-01-05T00:00:00Z"),
      reason: "Year-end freeze; Migration",
    });
  });

  it("joins back-to-back ranges but not ranges with a gap between them", () => {
    const first: FreezeWindow = {
      kind: "range",
      from: "2027-02-01T00:00:00Z",
      to: "2027-02-02T00:00:00Z",
      reason: "A",
    };
    const touching: FreezeWindow = {
      kind: "range",
      from: "2027-02-02T00:00:00Z",
      to: "2027-02-03T00:00:00Z",
      reason: "B",
    };
    const apart: FreezeWindow = {
      kind: "range",
      from: "2027-02-03T00:01:00Z",
      to: "2027-02-04T00:00:00Z",
      reason: "C",
    };
    expect(activeFreeze(policy(first, touching, apart), at("2027-02-01T12:00:00Z"))).toEqual({
      until: at("2027-02-03T00:00:00Z"),
      reason: "A; B",
    });
    // Listed in the other order, the chain is the same.
    expect(activeFreeze(policy(apart, touching, first), at("2027-02-01T12:00:00Z"))?.until).toEqual(
      at("2027-02-03T00:00:00Z"),
    );
  });
});

describe("activeFreeze: recurring windows", () => {
  it("starts at the cron time in its zone and lasts its duration", () => {
    const p = policy(weekend);
    // Friday 27 Nov 2026, Berlin is UTC+1: 18:00 local = 17:00 UTC.
    expect(activeFreeze(p, at("2026-11-27T16:59:59Z"))).toBeNull();
    expect(activeFreeze(p, at("2026-11-27T17:00:00Z"))).toEqual({
      until: at("2026-11-30T07:00:00Z"),
      reason: "Weekend",
    });
    expect(activeFreeze(p, at("2026-11-29T12:00:00Z"))?.until).toEqual(at("2026-11-30T07:00:00Z"));
    expect(activeFreeze(p, at("2026-11-30T06:59:59Z"))).not.toBeNull();
    expect(activeFreeze(p, at("2026-11-30T07:00:00Z"))).toBeNull();
    expect(activeFreeze(p, at("2026-12-02T12:00:00Z"))).toBeNull();
  });

  it("follows local time in summer", () => {
    const p = policy(weekend);
    // Friday 9 July 2027, Berlin is UTC+2: 18:00 local = 16:00 UTC, Monday 08:00 = 06:00 UTC.
    expect(activeFreeze(p, at("2027-07-09T15:59:00Z"))).toBeNull();
    expect(activeFreeze(p, at("2027-07-09T16:00:00Z"))?.until).toEqual(at("2027-07-12T06:00:00Z"));
  });

  it("ends at Monday 08:00 local when the clocks go forward over the weekend", () => {
    // Sunday 28 March 2027 02:00 CET → 03:00 CEST: the freeze lasts 61 real hours.
    const p = policy(weekend);
    expect(activeFreeze(p, at("2027-03-26T17:00:00Z"))?.until).toEqual(at("2027-03-29T06:00:00Z"));
    expect(activeFreeze(p, at("2027-03-29T05:59:00Z"))).not.toBeNull();
    expect(activeFreeze(p, at("2027-03-29T06:00:00Z"))).toBeNull();
  });

  it("ends at Monday 08:00 local when the clocks go back over the weekend", () => {
    // Sunday 31 October 2027 03:00 CEST → 02:00 CET: the freeze lasts 63 real hours.
    const p = policy(weekend);
    expect(activeFreeze(p, at("2027-10-29T16:00:00Z"))?.until).toEqual(at("2027-11-01T07:00:00Z"));
    expect(activeFreeze(p, at("2027-11-01T06:30:00Z"))).not.toBeNull();
    expect(activeFreeze(p, at("2027-11-01T07:00:00Z"))).toBeNull();
  });

  it("merges a recurring window with a range that overlaps it", () => {
    // Christmas Eve 2027 is a Friday: the weekend freeze starts inside the year-end range.
    const p = policy(weekend, {
      kind: "range",
      from: "2027-12-20T00:00:00Z",
      to: "2027-12-25T12:00:00Z",
      reason: "Holidays",
    });
    expect(activeFreeze(p, at("2027-12-21T00:00:00Z"))).toEqual({
      until: at("2027-12-27T07:00:00Z"),
      reason: "Holidays; Weekend",
    });
  });

  it("chains nightly windows that meet end to start", () => {
    const nightly: FreezeWindow = {
      kind: "recurring",
      cron: "0 0 * * *",
      durationMinutes: 24 * 60,
      timezone: "UTC",
      reason: "Always",
    };
    const daytime: FreezeWindow = {
      kind: "recurring",
      cron: "0 20 * * 1-5",
      durationMinutes: 12 * 60,
      timezone: "UTC",
      reason: "Nights",
    };
    // A window that lasts exactly until the next one starts never lets go: the chain stops at its bound.
    const forever = activeFreeze(policy(nightly), at("2027-05-05T10:00:00Z"));
    expect(forever?.until.getTime()).toBeGreaterThan(at("2028-01-01T00:00:00Z").getTime());
    // Mon–Fri 20:00 for 12h: Monday night ends Tuesday 08:00, not joined to Tuesday evening.
    expect(activeFreeze(policy(daytime), at("2027-05-03T23:00:00Z"))?.until).toEqual(
      at("2027-05-04T08:00:00Z"),
    );
  });
});

describe("nextFreeze", () => {
  it("gives the next window after now, for a heads-up", () => {
    expect(nextFreeze(policy(weekend), at("2026-11-26T10:00:00Z"))).toEqual({
      from: at("2026-11-27T17:00:00Z"),
      until: at("2026-11-30T07:00:00Z"),
      reason: "Weekend",
    });
    expect(nextFreeze(policy(yearEnd, weekend), at("2026-11-26T10:00:00Z"))?.from).toEqual(
      at("2026-11-27T17:00:00Z"),
    );
  });

  it("skips the freeze in force and what joins it", () => {
    const p = policy(yearEnd, weekend);
    // 2026-12-25 is a Friday: year-end runs to Sat 2 Jan 07:00 UTC and the weekend from Fri 1 Jan
    // (17:00 UTC) to Mon 4 Jan 07:00 UTC carries it on; next is Fri 8 Jan.
    expect(activeFreeze(p, at("2026-12-25T10:00:00Z"))).toEqual({
      until: at("2027-01-04T07:00:00Z"),
      reason: "Year-end freeze; Weekend",
    });
    expect(nextFreeze(p, at("2026-12-25T10:00:00Z"))).toEqual({
      from: at("2027-01-08T17:00:00Z"),
      until: at("2027-01-11T07:00:00Z"),
      reason: "Weekend",
    });
  });

  it("is null when nothing is ahead", () => {
    expect(nextFreeze(policy(yearEnd), at("2027-06-01T00:00:00Z"))).toBeNull();
    expect(nextFreeze(DEFAULT_POLICY, at("2027-06-01T00:00:00Z"))).toBeNull();
  });
});
