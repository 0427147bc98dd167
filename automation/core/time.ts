/** `2026-11-20T05:00:00Z`: ISO 8601 to the second, as records and names show times. */
export const isoSeconds = (t: Date | number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");
