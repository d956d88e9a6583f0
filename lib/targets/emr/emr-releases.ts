/**
 * The Flink each EMR release ships, from AWS's "Flink release history" and the application-version
 * tables of the EMR release guide (read 2026-12): the releases with a Flink cdktf-flink supports (1.20;
 * emr-7.5.0 and older ship 1.19 and older). EMR ships no Flink 2.x.
 */
export interface EmrRelease {
  readonly label: string;
  readonly flink: string;
}

/** Newest first. */
export const EMR_RELEASES: readonly EmrRelease[] = [
  { label: "emr-7.13.0", flink: "1.20.0-amzn-7" },
  { label: "emr-7.12.0", flink: "1.20.0-amzn-6" },
  { label: "emr-7.11.0", flink: "1.20.0-amzn-5" },
  { label: "emr-7.10.0", flink: "1.20.0-amzn-4" },
  { label: "emr-7.9.0", flink: "1.20.0-amzn-3" },
  { label: "emr-7.8.0", flink: "1.20.0-amzn-2" },
  { label: "emr-7.7.0", flink: "1.20.0-amzn-1" },
  { label: "emr-7.6.0", flink: "1.20.0-amzn-0" },
];

/** "1.20.0-amzn-3" -> [1, 20, 0]. */
const numbers = (version: string) => baseFlink(version).split(".").map(Number);

/** "1.20.0-amzn-3" -> "1.20.0". */
export const baseFlink = (shipped: string) => shipped.replace(/-amzn.*$/, "");

/** Whether a cluster version ("1.20", "1.20.0") is the Flink a release ships. */
export function ships(release: EmrRelease, version: string): boolean {
  const base = baseFlink(release.flink);
  return base === version || base.startsWith(`${version}.`);
}

/** The newest release that ships the version, if any. */
export function emrRelease(version: string): EmrRelease | undefined {
  return EMR_RELEASES.find((r) => ships(r, version));
}

/** The release shipping the Flink line nearest the version (the newest such release), for error messages. */
export function nearestEmrReleases(version: string): { label: string; flink: string } {
  const [major, minor] = numbers(version);
  const distance = (r: EmrRelease) => {
    const [m, n] = numbers(r.flink);
    return Math.abs((major - m) * 100 + (minor - n));
  };
  const nearest = [...EMR_RELEASES].sort((a, b) => distance(a) - distance(b))[0];
  const [m, n] = numbers(nearest.flink);
  return { label: nearest.label, flink: `${m}.${n}` };
}
