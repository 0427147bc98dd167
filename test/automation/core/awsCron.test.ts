// The next run of an AWS Backup schedule: the subset computed, and "unknown" for the rest.
import { expect } from "chai";
import { nextRun, parseAwsCron } from "../../../automation/core/awsCron";

/** The next run after `after` (ISO), as ISO; "never" when none; the reason when not computed. */
function next(expr: string, after: string): string {
  const c = parseAwsCron(expr);
  if ("unsupported" in c) return `unsupported: ${c.unsupported}`;
  return nextRun(c, new Date(after))?.toISOString() ?? "never";
}

describe("AWS Backup cron: the next run", function () {
  // 2026-11-24 is a Tuesday.
  it("the default daily schedule, cron(0 5 ? * * *): the next 05:00 UTC strictly after now", () => {
    expect(next("cron(0 5 ? * * *)", "2026-11-24T10:00:00Z")).to.equal("2026-11-25T05:00:00.000Z");
    expect(next("cron(0 5 ? * * *)", "2026-11-24T04:59:30Z")).to.equal("2026-11-24T05:00:00.000Z");
    expect(next("cron(0 5 ? * * *)", "2026-11-24T05:00:00Z")).to.equal("2026-11-25T05:00:00.000Z");
    expect(next("cron(0 5 ? * * *)", "2026-12-31T06:00:00Z")).to.equal("2027-01-01T05:00:00.000Z");
  });

  it("days of the week by name or by AWS's number (1 = Sunday), and ranges of them", () => {
    expect(next("cron(0 5 ? * SUN *)", "2026-11-24T10:00:00Z")).to.equal("2026-11-29T05:00:00.000Z");
    expect(next("cron(0 5 ? * 1 *)", "2026-11-24T10:00:00Z")).to.equal("2026-11-29T05:00:00.000Z");
    expect(next("cron(0 5 ? * 7 *)", "2026-11-24T10:00:00Z")).to.equal("2026-11-28T05:00:00.000Z"); // 7 = Saturday
    expect(next("cron(30 2 ? * MON-FRI *)", "2026-11-27T03:00:00Z")).to.equal("2026-11-30T02:30:00.000Z"); // Friday after 02:30 → Monday
    expect(next("cron(30 2 ? * mon-fri *)", "2026-11-24T01:00:00Z")).to.equal("2026-11-24T02:30:00.000Z");
    expect(next("cron(0 5 ? * TUE,THU *)", "2026-11-24T06:00:00Z")).to.equal("2026-11-26T05:00:00.000Z");
  });

  it("lists, steps, days of the month, months by name, 29 February, and years", () => {
    expect(next("cron(0 5,17 ? * * *)", "2026-11-24T10:00:00Z")).to.equal("2026-11-24T17:00:00.000Z");
    expect(next("cron(0 0/6 * * ? *)", "2026-11-24T10:00:00Z")).to.equal("2026-11-24T12:00:00.000Z");
    expect(next("cron(0 */8 * * ? *)", "2026-11-24T17:00:00Z")).to.equal("2026-11-25T00:00:00.000Z");
    expect(next("cron(15 3 1 * ? *)", "2026-11-24T10:00:00Z")).to.equal("2026-12-01T03:15:00.000Z");
    expect(next("cron(0 5 31 * ? *)", "2026-11-24T10:00:00Z")).to.equal("2026-12-31T05:00:00.000Z"); // November has no 31st
    expect(next("cron(0 5 1 JAN,JUL ? *)", "2026-11-24T10:00:00Z")).to.equal("2027-01-01T05:00:00.000Z");
    expect(next("cron(0 12 29 2 ? *)", "2026-11-24T10:00:00Z")).to.equal("2028-02-29T12:00:00.000Z");
    expect(next("cron(0 5 1 1 ? 2030)", "2026-11-24T10:00:00Z")).to.equal("2030-01-01T05:00:00.000Z");
    expect(next("cron(0 5 1 1 ? 2020-2025)", "2026-11-24T10:00:00Z")).to.equal("never");
  });

  it("says why it does not compute L, W, #, a range that wraps, a value out of range, or two day fields", () => {
    expect(next("cron(0 5 L * ? *)", "2026-11-24T10:00:00Z")).to.equal(
      "unsupported: cron(0 5 L * ? *): its day-of-month field \"L\" uses L, W or #, which ec2-rollback does not compute",
    );
    expect(next("cron(0 5 15W * ? *)", "2026-11-24T10:00:00Z")).to.match(/day-of-month field "15W" uses L, W or #/);
    expect(next("cron(0 5 ? * MON#1 *)", "2026-11-24T10:00:00Z")).to.match(/day-of-week field "MON#1" uses L, W or #/);
    expect(next("cron(0 5 ? * 6L *)", "2026-11-24T10:00:00Z")).to.match(/day-of-week field "6L" uses L, W or #/);
    expect(next("cron(0 5 ? * FRI-MON *)", "2026-11-24T10:00:00Z")).to.equal("unsupported: cron(0 5 ? * FRI-MON *): its day-of-week field has the range FRI-MON, which wraps around");
    expect(next("cron(0 25 ? * * *)", "2026-11-24T10:00:00Z")).to.equal("unsupported: cron(0 25 ? * * *): its hours field has 25, outside 0–23");
    expect(next("cron(0 5 * * * *)", "2026-11-24T10:00:00Z")).to.equal("unsupported: cron(0 5 * * * *): one of its day fields must be ?");
    expect(next("rate(1 day)", "2026-11-24T10:00:00Z")).to.equal("unsupported: rate(1 day) is not cron(min hour day-of-month month day-of-week year)");
  });
});
