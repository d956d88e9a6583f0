import * as fs from "fs";
import * as path from "path";
import { CATALOGED_VERSIONS, CatalogedVersion } from "./version";

/** A documented Flink configuration option. */
export interface CatalogOption {
  /** The key as documented; a placeholder pattern such as `metrics.reporter.<name>.factory.class` when matched through one. */
  readonly key: string;
  /** The Flink type: `String`, `Integer`, `Duration`, `MemorySize`, `Enum`, `List<String>`, ... */
  readonly type: string;
  /** The default exactly as the Flink docs render it: `128 mb`, `"hashmap"`, `(none)`, `infinite`. */
  readonly default: string;
  /** The possible values of an `Enum` or `List<Enum>` option. */
  readonly enum?: readonly string[];
}

/** The shape of `catalog/flink-<version>.json`, written by scripts/generate-catalog.js. */
export interface CatalogFile {
  readonly version: string;
  readonly source: { readonly repository: string; readonly ref: string; readonly commit: string };
  readonly options: Readonly<Record<string, Omit<CatalogOption, "key">>>;
  /** Old key → the current key Flink reads it for. */
  readonly deprecated: Readonly<Record<string, readonly string[]>>;
}

/** A documented key with `<...>` placeholders, compiled for matching concrete keys. */
interface PlaceholderPattern {
  readonly key: string;
  readonly regex: RegExp;
  readonly placeholders: number;
}

const PLACEHOLDER = /<[^<>]+>/;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A placeholder stands for one dot-free segment, except at the very end of the pattern, where it
 * stands for one or more segments: `metrics.reporter.<name>.<parameter>` also covers
 * `metrics.reporter.prom.filter.includes`.
 */
function compilePattern(key: string): PlaceholderPattern {
  const literals = key.split(PLACEHOLDER);
  const placeholders = literals.length - 1;
  const endsWithPlaceholder = literals[literals.length - 1] === "";
  const source = literals
    .map((literal, i) => {
      if (i === 0) return escapeRegex(literal);
      const isLast = i === literals.length - 1 && endsWithPlaceholder;
      return (isLast ? "[^.]+(?:\\.[^.]+)*" : "[^.]+") + escapeRegex(literal);
    })
    .join("");
  return { key, regex: new RegExp(`^${source}$`), placeholders };
}

/** Most specific first: fewest placeholders, then longest pattern, then by key for determinism. */
function bySpecificity(a: PlaceholderPattern, b: PlaceholderPattern): number {
  return a.placeholders - b.placeholders || b.key.length - a.key.length || compareKeys(a.key, b.key);
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Two reused rows instead of a matrix: this runs several times per documented key on each closest() call.
let previousRow = new Uint16Array(64);
let currentRow = new Uint16Array(64);

function levenshtein(a: string, b: string): number {
  if (previousRow.length <= b.length) {
    previousRow = new Uint16Array(b.length + 1);
    currentRow = new Uint16Array(b.length + 1);
  }
  let previous = previousRow;
  let current = currentRow;
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    const charA = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      // Comparisons, not Math.min: under this project's Jest setup Math.min measured ~100x slower, and this is the hot loop.
      const substitution = previous[j - 1] + (charA === b.charCodeAt(j - 1) ? 0 : 1);
      const deletion = previous[j] + 1;
      const insertion = current[j - 1] + 1;
      const best = deletion < insertion ? deletion : insertion;
      current[j] = substitution < best ? substitution : best;
    }
    const finished = current;
    current = previous;
    previous = finished;
  }
  return previous[b.length];
}

function commonPrefixLength(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function commonSuffixLength(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

/**
 * Edit distance, less the characters both keys share at the start and at the end: two keys with a
 * long common prefix or the same last segment are related even when their middles differ
 * (`jobmanager.heap.size` and `jobmanager.memory.heap.size`).
 */
function anchoredDistance(a: string, b: string): number {
  const anchored = Math.min(commonPrefixLength(a, b) + commonSuffixLength(a, b), a.length, b.length);
  return levenshtein(a, b) - anchored;
}

/** A documented key in the forms closest() compares against. */
interface SearchEntry {
  readonly key: string;
  readonly lowerCased: string;
  /** `a.b.c` → [`b.c`, `c`]: the shorter keys a user who left out the leading segments may have meant. */
  readonly tails: readonly string[];
}

function searchEntry(key: string): SearchEntry {
  const lowerCased = key.toLowerCase();
  const tails: string[] = [];
  for (let dot = lowerCased.indexOf("."); dot !== -1; dot = lowerCased.indexOf(".", dot + 1)) {
    tails.push(lowerCased.slice(dot + 1));
  }
  return { key, lowerCased, tails };
}

/**
 * Lower is closer. Besides the whole key, the query is compared with each tail of the candidate
 * (one point worse), so a tutorial key without its prefix, `block-cache-size`, finds
 * `state.backend.rocksdb.block.cache-size`. Case is ignored: a wrongly cased key is a likely typo.
 */
function keyDistance(lowerCasedQuery: string, candidate: SearchEntry): number {
  let distance = anchoredDistance(lowerCasedQuery, candidate.lowerCased);
  for (const tail of candidate.tails) distance = Math.min(distance, anchoredDistance(lowerCasedQuery, tail) + 1);
  return distance;
}

/** The documented configuration keys of one Flink release line. */
export class FlinkCatalog {
  public readonly version: CatalogedVersion;
  private readonly options: ReadonlyMap<string, CatalogOption>;
  private readonly patterns: readonly PlaceholderPattern[];
  private readonly exactKeys: readonly string[];
  private searchEntries?: readonly SearchEntry[];
  private readonly replacements: ReadonlyMap<string, readonly string[]>;

  public constructor(version: CatalogedVersion, file: CatalogFile) {
    this.version = version;
    // Maps, not the parsed objects: a key such as `constructor` must not hit Object.prototype.
    this.options = new Map(Object.entries(file.options).map(([key, option]) => [key, { key, ...option }]));
    const keys = [...this.options.keys()].sort(compareKeys);
    this.exactKeys = keys.filter((key) => !PLACEHOLDER.test(key));
    this.patterns = keys.filter((key) => PLACEHOLDER.test(key)).map(compilePattern).sort(bySpecificity);
    this.replacements = new Map(Object.entries(file.deprecated));
  }

  /** The option documented for `key`: the exact key, else the most specific placeholder pattern matching it. */
  public option(key: string): CatalogOption | undefined {
    const exact = this.options.get(key);
    if (exact) return exact;
    const pattern = this.patterns.find((p) => p.regex.test(key));
    return pattern && this.options.get(pattern.key);
  }

  public isDocumented(key: string): boolean {
    return this.option(key) !== undefined;
  }

  /**
   * The current keys that still read a deprecated key (Flink logs a warning for it); empty when the
   * key is not deprecated. Usually one; a few old keys feed several current ones.
   */
  public replacementsOf(key: string): readonly string[] {
    return this.replacements.get(key) ?? [];
  }

  /** The `count` documented keys (without placeholders) nearest to `key`, nearest first. */
  public closest(key: string, count = 3): string[] {
    this.searchEntries ??= this.exactKeys.map(searchEntry);
    const query = key.toLowerCase();
    return this.searchEntries
      .map((entry) => ({ key: entry.key, distance: keyDistance(query, entry) }))
      .sort((a, b) => a.distance - b.distance || compareKeys(a.key, b.key))
      .slice(0, count)
      .map((ranked) => ranked.key);
  }

  /** The documented keys without placeholders, sorted. */
  public keys(): readonly string[] {
    return this.exactKeys;
  }
}

// `../../catalog` is the repo-root catalog/ both from lib/config (ts-jest) and dist/config (compiled).
const CATALOG_DIR = path.resolve(__dirname, "../../catalog");
const catalogs = new Map<CatalogedVersion, FlinkCatalog>();

/** catalog/flink-<version>.json as written by scripts/generate-catalog.js. */
export function readCatalogFile(version: CatalogedVersion): CatalogFile {
  return JSON.parse(fs.readFileSync(path.join(CATALOG_DIR, `flink-${version}.json`), "utf8")) as CatalogFile;
}

/** The catalog of a release line, read from catalog/flink-<version>.json on first use. */
export function catalogFor(version: CatalogedVersion): FlinkCatalog {
  const cached = catalogs.get(version);
  if (cached) return cached;
  // The type already says so; this guards plain-JavaScript callers.
  if (!CATALOGED_VERSIONS.includes(version)) {
    throw new Error(`No catalog for Flink ${version}; cataloged: ${CATALOGED_VERSIONS.join(", ")}`);
  }
  const catalog = new FlinkCatalog(version, readCatalogFile(version));
  catalogs.set(version, catalog);
  return catalog;
}
