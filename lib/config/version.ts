/** The Flink release lines whose configuration keys this package carries a catalog for. */
export const CATALOGED_VERSIONS = ["1.20", "2.0", "2.1", "2.2", "2.3"] as const;
export type CatalogedVersion = (typeof CATALOGED_VERSIONS)[number];

/**
 * A Flink version. Use the constants for the release lines this package checks every key of;
 * `FlinkVersion.of("2.4")` for any other release from 1.20 on, whose keys are then not checked.
 */
export class FlinkVersion {
  /** Flink 1.20, the long-term-support line of 1.x. */
  public static readonly V1_20 = new FlinkVersion("1.20");
  public static readonly V2_0 = new FlinkVersion("2.0");
  public static readonly V2_1 = new FlinkVersion("2.1");
  public static readonly V2_2 = new FlinkVersion("2.2");
  public static readonly V2_3 = new FlinkVersion("2.3");

  /**
   * Any Flink version as "MAJOR.MINOR" or "MAJOR.MINOR.PATCH". A cataloged line ("2.2", "2.2.1") is
   * checked like its constant; another version is accepted with a warning that its keys are unchecked.
   * A malformed or pre-1.20 version is reported as an error by the cluster that uses it.
   */
  public static of(version: string): FlinkVersion {
    return new FlinkVersion(version);
  }

  /** "MAJOR.MINOR" when the version is well formed. */
  public readonly line?: string;
  /** The catalog that checks this version's keys, when it has one. */
  public readonly catalog?: CatalogedVersion;
  /**
   * The cataloged line whose key names the typed settings use: the version itself, or for an
   * unchecked version the newest cataloged line of the same major version.
   */
  public readonly keyFamily?: CatalogedVersion;

  private constructor(public readonly version: string) {
    const match = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(version);
    if (!match) return;
    const major = Number(match[1]);
    const minor = Number(match[2]);
    if (major < 1 || (major === 1 && minor < 20)) return;
    this.line = `${major}.${minor}`;
    this.catalog = CATALOGED_VERSIONS.find((v) => v === this.line);
    this.keyFamily = this.catalog ?? (major === 1 ? "1.20" : CATALOGED_VERSIONS[CATALOGED_VERSIONS.length - 1]);
  }

  /** Why this version cannot be used, or undefined when it can. */
  public get problem(): string | undefined {
    if (this.keyFamily) return undefined;
    return `must be a Flink version from 1.20 on, as "MAJOR.MINOR" or "MAJOR.MINOR.PATCH"; supported with checked keys: ${CATALOGED_VERSIONS.join(", ")}`;
  }

  /** True when every key is checked against this version's catalog. */
  public get isChecked(): boolean {
    return this.catalog !== undefined;
  }

  public get isV2(): boolean {
    return this.keyFamily !== undefined && this.keyFamily !== "1.20";
  }

  public toString(): string {
    return this.version;
  }
}
