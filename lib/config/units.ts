/**
 * Memory sizes and durations, parsed and printed the way Flink does
 * (org.apache.flink.configuration.MemorySize and org.apache.flink.util.TimeUtils).
 */

/** Flink's MemoryUnit labels; the second label of each is what MemorySize#toString prints. */
const MEMORY_UNITS: ReadonlyArray<{ labels: readonly string[]; bytes: bigint }> = [
  { labels: ["b", "bytes"], bytes: 1n },
  { labels: ["k", "kb", "kibibytes"], bytes: 1n << 10n },
  { labels: ["m", "mb", "mebibytes"], bytes: 1n << 20n },
  { labels: ["g", "gb", "gibibytes"], bytes: 1n << 30n },
  { labels: ["t", "tb", "tebibytes"], bytes: 1n << 40n },
];

/** Long.MAX_VALUE: Flink's MemorySize.MAX_VALUE, rendered "infinite" in its docs. */
export const MAX_MEMORY_SIZE = (1n << 63n) - 1n;

export const MEMORY_SIZE_HINT = 'a whole number with an optional unit b, k/kb, m/mb, g/gb or t/tb, e.g. "4g", "4096m", "512 mb"';

/** Parses a Flink memory size ("4g", "4096m", "512 mb", "1024") to bytes; undefined when malformed. */
export function parseMemorySize(text: string): bigint | undefined {
  const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) return undefined;
  const unitLabel = match[2].toLowerCase();
  const unit = unitLabel === "" ? MEMORY_UNITS[0] : MEMORY_UNITS.find((u) => u.labels.includes(unitLabel));
  if (!unit) return undefined;
  const bytes = BigInt(match[1]) * unit.bytes;
  return bytes > MAX_MEMORY_SIZE ? undefined : bytes;
}

/** Prints bytes as Flink's MemorySize#toString does: the largest unit that divides exactly, "4 gb". */
export function formatMemorySize(bytes: bigint): string {
  if (bytes === 0n) return "0 bytes";
  for (let i = MEMORY_UNITS.length - 1; i >= 0; i--) {
    const unit = MEMORY_UNITS[i];
    if (bytes % unit.bytes === 0n) return `${bytes / unit.bytes} ${unit.labels[1]}`;
  }
  throw new Error("unreachable: every size divides by 1 byte");
}

/** TimeUtils' labels; the first label of each is what TimeUtils#formatWithHighestUnit prints. */
const TIME_UNITS: ReadonlyArray<{ labels: readonly string[]; ms: number }> = [
  { labels: ["d", "day", "days"], ms: 86_400_000 },
  { labels: ["h", "hour", "hours"], ms: 3_600_000 },
  { labels: ["min", "m", "minute", "minutes"], ms: 60_000 },
  { labels: ["s", "sec", "secs", "second", "seconds"], ms: 1_000 },
  { labels: ["ms", "milli", "millis", "millisecond", "milliseconds"], ms: 1 },
];

export const DURATION_HINT = 'a whole number with an optional unit ms, s, min, h or d (no unit means ms), e.g. "30 s", "5min", "500ms"';

/** Parses a Flink duration ("30 s", "5min", "500") to milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) return undefined;
  const unitLabel = match[2].toLowerCase();
  const unit = unitLabel === "" ? TIME_UNITS[TIME_UNITS.length - 1] : TIME_UNITS.find((u) => u.labels.includes(unitLabel));
  if (!unit) return undefined;
  const ms = Number(match[1]) * unit.ms;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Prints milliseconds with the largest unit that divides exactly, as Flink does: "30 s", "5 min". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0 ms";
  const unit = TIME_UNITS.find((u) => ms % u.ms === 0)!;
  return `${ms / unit.ms} ${unit.labels[0]}`;
}
