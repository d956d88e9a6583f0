import { Token } from "cdktf";

/** IAM allows role name prefixes up to 38 characters (Terraform appends 26 to make a 64-character name). */
export const IAM_ROLE_PREFIX_MAX = 38;
/** Launch template names are at most 128 characters; Terraform appends 26 to a prefix. */
export const LAUNCH_TEMPLATE_PREFIX_MAX = 99;

/**
 * A readable name prefix of `parts` joined by '-', within `max` characters and ending in '-'. Unresolved
 * parts are left out ("flink-" if none is left): their length is unknown, and the resource's tags still
 * say what it belongs to.
 */
export function namePrefix(parts: readonly string[], max: number): string {
  const known = parts.filter((part) => !Token.isUnresolved(part));
  const text = known.join("-").slice(0, max - 1).replace(/[-_]+$/, "");
  return `${text || "flink"}-`;
}
