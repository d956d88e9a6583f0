import { Problems } from "../config/problems";

/**
 * The longest `bucket_prefix` the AWS provider accepts: it appends a 26-character unique suffix and
 * the whole name must fit S3's 63.
 */
export const MAX_BUCKET_PREFIX_LENGTH = 37;

// Reserved by S3 for its own name spaces (access point aliases, directory and table buckets, ...).
// @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

interface NameRule {
  readonly broken: (name: string) => boolean;
  readonly rule: string;
}

const CHARACTERS: NameRule = {
  broken: (name) => !/^[a-z0-9.-]*$/.test(name),
  rule: "must hold only lowercase letters, digits, '.' and '-'",
};
const STARTS_WITH_LETTER_OR_DIGIT: NameRule = {
  broken: (name) => !/^[a-z0-9]/.test(name),
  rule: "must start with a lowercase letter or digit",
};
const NO_ADJACENT_DOTS: NameRule = { broken: (name) => name.includes(".."), rule: "must not contain '..'" };
const NO_RESERVED_PREFIX: NameRule = {
  broken: (name) => RESERVED_PREFIXES.some((reserved) => name.startsWith(reserved)),
  rule: `must not start with ${RESERVED_PREFIXES.map((p) => `'${p}'`).join(", ")}, which S3 reserves`,
};

const BUCKET_NAME_RULES: readonly NameRule[] = [
  { broken: (name) => name.length < 3 || name.length > 63, rule: "must be 3-63 characters long" },
  CHARACTERS,
  STARTS_WITH_LETTER_OR_DIGIT,
  { broken: (name) => !/[a-z0-9]$/.test(name), rule: "must end with a lowercase letter or digit" },
  NO_ADJACENT_DOTS,
  { broken: (name) => /^\d{1,3}(\.\d{1,3}){3}$/.test(name), rule: "must not be formatted as an IP address" },
  NO_RESERVED_PREFIX,
  {
    broken: (name) => RESERVED_SUFFIXES.some((reserved) => name.endsWith(reserved)),
    rule: `must not end with ${RESERVED_SUFFIXES.map((s) => `'${s}'`).join(", ")}, which S3 reserves`,
  },
];

// The generated suffix is digits, so the end of a prefix is free and it can never form an IP address.
const BUCKET_PREFIX_RULES: readonly NameRule[] = [
  {
    broken: (name) => name.length < 1 || name.length > MAX_BUCKET_PREFIX_LENGTH,
    rule: `must be 1-${MAX_BUCKET_PREFIX_LENGTH} characters long, leaving room for the 26 characters the provider appends`,
  },
  CHARACTERS,
  STARTS_WITH_LETTER_OR_DIGIT,
  NO_ADJACENT_DOTS,
  NO_RESERVED_PREFIX,
];

/** Reports the first S3 bucket naming rule `name` breaks, so the message names one clear fix. */
export function checkBucketName(problems: Problems, property: string, name: string): void {
  reportFirstBroken(problems, property, name, BUCKET_NAME_RULES, `set ${property} to a name such as "analytics-flink-state"`);
}

/** Like {@link checkBucketName}, for a `bucket_prefix` the provider completes with a unique suffix. */
export function checkBucketPrefix(problems: Problems, property: string, prefix: string): void {
  reportFirstBroken(problems, property, prefix, BUCKET_PREFIX_RULES, `set ${property} to a prefix such as "analytics-flink-"`);
}

/**
 * S3's TLS certificate covers one label under the S3 host name, so HTTPS requests in virtual-hosted
 * style (Flink's S3 file systems' default) fail for a bucket with '.' in its name.
 */
export function warnDottedBucketName(problems: Problems, property: string, name: string): void {
  if (name.includes(".")) {
    problems.warn(
      "flink:dotted-bucket-name",
      `${property} ${JSON.stringify(name)} contains '.': HTTPS requests in S3's virtual-hosted style fail the certificate check for such names. Use '-' instead of '.'.`,
    );
  }
}

/** A `bucket_prefix` derived from a construct path: "analytics/state" -> "analytics-state-". */
export function bucketPrefixFromPath(path: string): string {
  const words = path.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  const head = words.slice(0, MAX_BUCKET_PREFIX_LENGTH - 1).replace(/-+$/, "");
  return `${head || "flink-state"}-`;
}

function reportFirstBroken(problems: Problems, property: string, name: string, rules: readonly NameRule[], fix: string): void {
  const broken = rules.find((rule) => rule.broken(name));
  if (broken) problems.error(property, name, broken.rule, fix);
}
