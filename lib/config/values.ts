import { Problems } from "./problems";
import { RawConfigValue } from "./settings";
import { DURATION_HINT, MEMORY_SIZE_HINT, formatDuration, formatMemorySize, parseDuration, parseMemorySize } from "./units";

/** A value as it is written into config.yaml. */
export type ConfigValue = RawConfigValue;

/** Marks a value that is a cdktf token: it is passed through unchecked and resolved by Terraform. */
export const UNRESOLVED: unique symbol = Symbol("unresolved token");
export type Parsed<T> = T | typeof UNRESOLVED | undefined;

/**
 * Parses and checks user values for one configuration, reporting every bad one to `problems`.
 * `isUnresolved` recognises cdktf tokens without this layer depending on cdktf.
 */
export class ValueReader {
  constructor(
    public readonly problems: Problems,
    public readonly isUnresolved: (value: unknown) => boolean,
  ) {}

  public size(property: string, text: string, options: { allowZero?: boolean } = {}): Parsed<bigint> {
    if (this.isUnresolved(text)) return UNRESOLVED;
    const bytes = typeof text === "string" ? parseMemorySize(text) : undefined;
    if (bytes === undefined) {
      this.problems.error(property, text, "is not a valid memory size", `use ${MEMORY_SIZE_HINT}.`);
      return undefined;
    }
    if (bytes === 0n && !options.allowZero) {
      this.problems.error(property, text, "must be greater than 0", "give a positive size such as \"512m\", or leave it unset for Flink's default.");
      return undefined;
    }
    return bytes;
  }

  public duration(property: string, text: string, options: { minMs?: number; wholeSeconds?: boolean } = {}): Parsed<number> {
    if (this.isUnresolved(text)) return UNRESOLVED;
    const ms = typeof text === "string" ? parseDuration(text) : undefined;
    if (ms === undefined) {
      this.problems.error(property, text, "is not a valid duration", `use ${DURATION_HINT}.`);
      return undefined;
    }
    const minMs = options.minMs ?? 0;
    if (ms < minMs) {
      this.problems.error(property, text, `must be at least ${formatDuration(minMs)}`, `give a duration of ${formatDuration(minMs)} or more.`);
      return undefined;
    }
    if (options.wholeSeconds && ms % 1000 !== 0) {
      this.problems.error(property, text, "must be a whole number of seconds (Flink reads this option in seconds)", 'use a duration such as "30 s" or "2 min".');
      return undefined;
    }
    return ms;
  }

  public integer(property: string, value: number, options: { min?: number; max?: number } = {}): Parsed<number> {
    if (this.isUnresolved(value)) return UNRESOLVED;
    const { min = -(2 ** 31), max = 2 ** 31 - 1 } = options;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      const range = max === 2 ** 31 - 1 ? `>= ${min}` : `between ${min} and ${max}`;
      this.problems.error(property, value, `must be a whole number ${range}`, `set a whole number ${range}.`);
      return undefined;
    }
    return value;
  }

  /** Flink's RangeFraction rule for memory fractions: 0 <= fraction < 1. */
  public fraction(property: string, value: number): Parsed<number> {
    if (this.isUnresolved(value)) return UNRESOLVED;
    if (typeof value !== "number" || !(value >= 0 && value < 1)) {
      this.problems.error(property, value, "must be a fraction in [0, 1)", "use a number such as 0.1; Flink refuses 1 and above.");
      return undefined;
    }
    return value;
  }

  public number(property: string, value: number, options: { min: number; max?: number }): Parsed<number> {
    if (this.isUnresolved(value)) return UNRESOLVED;
    const { min, max = Infinity } = options;
    if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
      const range = max === Infinity ? `>= ${min}` : `between ${min} and ${max}`;
      this.problems.error(property, value, `must be a number ${range}`, `set a number ${range}.`);
      return undefined;
    }
    return value;
  }

  /** A TCP port, or when `allowRange` a range "low-high" as Flink's String port options take. */
  public port(property: string, value: number | string, options: { allowRange?: boolean } = {}): Parsed<number | string> {
    if (this.isUnresolved(value)) return UNRESOLVED;
    const isPort = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;
    if (typeof value === "number" && isPort(value)) return value;
    if (typeof value === "string" && options.allowRange) {
      const range = /^(\d+)-(\d+)$/.exec(value);
      if (range && isPort(Number(range[1])) && isPort(Number(range[2])) && Number(range[1]) <= Number(range[2])) return value;
    }
    const allowed = options.allowRange ? 'a port from 1 to 65535 or a range such as "50100-50200"' : "a port from 1 to 65535";
    this.problems.error(property, value, `must be ${allowed}`, `set ${allowed}; fixed ports let firewalls allow exactly what Flink uses.`);
    return undefined;
  }

  /** An absolute filesystem URI (s3://…, hdfs://…, file:///…) or an absolute local path. */
  public uri(property: string, value: string): Parsed<string> {
    if (this.isUnresolved(value)) return UNRESOLVED;
    // "file:/tmp/x" too: Flink reports local savepoints that way (a Hadoop-style path URI).
    if (typeof value !== "string" || !/^([a-z][a-z0-9+.-]*:\/\/\S*|file:\/\S*|\/\S*)$/i.test(value)) {
      this.problems.error(property, value, "must be a URI with a scheme (s3://bucket/path, hdfs:///path, file:///path) or an absolute path", "give the full URI of the directory.");
      return undefined;
    }
    return value;
  }

  public oneOf<T extends string>(property: string, value: T, allowed: readonly T[]): Parsed<T> {
    if (this.isUnresolved(value)) return UNRESOLVED;
    if (!allowed.includes(value)) {
      this.problems.error(property, value, `must be one of ${allowed.join(", ")}`, `use one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}.`);
      return undefined;
    }
    return value;
  }
}

/** How a parsed size is written: Flink's own notation, or the token untouched. */
export function sizeValue(text: string, parsed: Parsed<bigint>): ConfigValue | undefined {
  if (parsed === undefined) return undefined;
  return parsed === UNRESOLVED ? text : formatMemorySize(parsed);
}

export function durationValue(text: string, parsed: Parsed<number>): ConfigValue | undefined {
  if (parsed === undefined) return undefined;
  return parsed === UNRESOLVED ? text : formatDuration(parsed);
}
