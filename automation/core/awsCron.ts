// The next run of an AWS Backup schedule, `cron(min hour day-of-month month day-of-week year)`, in UTC.
// Computed for the subset the program sets and people write: numbers, `*`, `?`, lists (`a,b`), ranges
// (`a-b`), steps (`*/n`, `a/n`, `a-b/n`), month names JAN–DEC and day names SUN–SAT (AWS counts the
// days of the week 1–7 from Sunday). `L`, `W` and `#`, which the config allows, are not computed: such
// a schedule's next run is "unknown", never a guess.

export interface AwsCron {
  minutes: number[];
  hours: number[];
  /** undefined: `?` or `*` (any day of the month). */
  daysOfMonth?: Set<number>;
  /** 1–12. */
  months: Set<number>;
  /** 0 = Sunday … 6 = Saturday (as Date#getUTCDay); undefined: `?` or `*`. */
  daysOfWeek?: Set<number>;
  /** undefined: any year. */
  years?: Set<number>;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Names for min, min+1, … */
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 1, max: 7, names: DAYS },
  { name: "year", min: 1970, max: 2199 },
];

class Unsupported extends Error {}

function value(spec: FieldSpec, s: string): number {
  const named = spec.names?.indexOf(s.toUpperCase()) ?? -1;
  if (named >= 0) return spec.min + named;
  if (!/^\d+$/.test(s)) throw new Unsupported(`its ${spec.name} field has "${s}"`);
  const n = Number(s);
  if (n < spec.min || n > spec.max) throw new Unsupported(`its ${spec.name} field has ${n}, outside ${spec.min}–${spec.max}`);
  return n;
}

/** The values a field names; undefined for `*` and `?` (any). */
function field(spec: FieldSpec, text: string): Set<number> | undefined {
  if (text === "*" || text === "?") return undefined;
  if (/[LW#]/i.test(text.replace(/[A-Z]{3}/gi, (w) => ((spec.names ?? []).includes(w.toUpperCase()) ? "" : w)))) {
    throw new Unsupported(`its ${spec.name} field "${text}" uses L, W or #, which ec2-rollback does not compute`);
  }
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Unsupported(`its ${spec.name} field has "${part}"`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) throw new Unsupported(`its ${spec.name} field has a step of 0`);
    let from: number;
    let to: number;
    if (m[1] === "*") [from, to] = [spec.min, spec.max];
    else if (m[1].includes("-")) {
      const [a, b, ...rest] = m[1].split("-");
      if (rest.length) throw new Unsupported(`its ${spec.name} field has "${part}"`);
      [from, to] = [value(spec, a), value(spec, b)];
      if (from > to) throw new Unsupported(`its ${spec.name} field has the range ${m[1]}, which wraps around`);
    } else {
      from = value(spec, m[1]);
      to = m[2] === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** The schedule, or why its next run is not computed (one line). */
export function parseAwsCron(expr: string): AwsCron | { unsupported: string } {
  const m = /^cron\((.*)\)$/.exec(expr.trim());
  const f = m?.[1].trim().split(/\s+/);
  if (!f || f.length !== 6) return { unsupported: `${expr} is not cron(min hour day-of-month month day-of-week year)` };
  try {
    const [minutes, hours, dom, months, dow, years] = f.map((text, i) => field(FIELDS[i], text));
    if (f[2] !== "?" && f[4] !== "?") throw new Unsupported("one of its day fields must be ?");
    const all = (spec: FieldSpec) => Array.from({ length: spec.max - spec.min + 1 }, (_, i) => spec.min + i);
    return {
      minutes: [...(minutes ?? all(FIELDS[0]))].sort((a, b) => a - b),
      hours: [...(hours ?? all(FIELDS[1]))].sort((a, b) => a - b),
      daysOfMonth: dom,
      months: months ?? new Set(all(FIELDS[3])),
      daysOfWeek: dow && new Set([...dow].map((d) => d - 1)),
      years,
    };
  } catch (e) {
    if (e instanceof Unsupported) return { unsupported: `${expr}: ${e.message}` };
    throw e;
  }
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** With any year, every date a schedule names comes within 8 years (29 February: 2096, then 2104). */
const ANY_YEAR_SPAN = 9;

/** The first run strictly after `after`; undefined when the schedule names no later time. */
export function nextRun(c: AwsCron, after: Date): Date | undefined {
  const start = Math.floor(after.getTime() / MINUTE) * MINUTE + MINUTE;
  const first = new Date(start);
  const lastYear = c.years ? Math.max(...c.years) : first.getUTCFullYear() + ANY_YEAR_SPAN;
  for (let day = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), first.getUTCDate()); ; day += DAY) {
    const d = new Date(day);
    const year = d.getUTCFullYear();
    if (year > lastYear) return undefined;
    if (c.years && !c.years.has(year)) continue;
    if (!c.months.has(d.getUTCMonth() + 1)) continue;
    if (c.daysOfMonth && !c.daysOfMonth.has(d.getUTCDate())) continue;
    if (c.daysOfWeek && !c.daysOfWeek.has(d.getUTCDay())) continue;
    for (const h of c.hours) {
      for (const min of c.minutes) {
        const t = day + h * 60 * MINUTE + min * MINUTE;
        if (t >= start) return new Date(t);
      }
    }
  }
}
