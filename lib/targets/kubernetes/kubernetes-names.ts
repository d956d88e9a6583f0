import { Token } from "cdktf";
import { Problems } from "../../config/problems";

/**
 * Checks of Kubernetes names, as the API server applies them, so a bad name fails at synth instead of
 * at apply (or, for an IRSA role, silently: a trust condition on a name that cannot exist matches nothing).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The name part of a label key and a label value (which may also be empty). */
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A DNS-1123 label (RFC 1123), as namespaces are named: 1-63 lowercase letters, digits and '-'. */
export function checkDnsLabel(property: string, value: string, problems: Problems): void {
  if (Token.isUnresolved(value)) return;
  if (value.length < 1 || value.length > 63 || !DNS_LABEL.test(value)) {
    problems.error(
      property,
      value,
      "must be a DNS-1123 label: 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
      `use a name such as "${suggestName(value, 63, false) || "flink"}".`,
    );
  }
}

/** A DNS-1123 subdomain, as service accounts are named: up to 253 characters, dot-separated DNS labels. */
export function checkDnsSubdomain(property: string, value: string, problems: Problems): void {
  if (Token.isUnresolved(value)) return;
  if (value.length < 1 || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    problems.error(
      property,
      value,
      "must be a DNS-1123 subdomain: up to 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
      `use a name such as "${suggestName(value, 253, true) || "flink"}".`,
    );
  }
}

/** A label or taint key: an optional DNS subdomain prefix and '/', then a name of 1-63 characters. */
export function checkLabelKey(property: string, key: string, problems: Problems): void {
  if (Token.isUnresolved(key)) return;
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = key.slice(slash + 1);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    problems.error(
      property,
      key,
      "must be a Kubernetes label key: an optional DNS subdomain prefix and '/', then 1 to 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
      'use a key such as "flink.apache.org/role".',
    );
  }
}

/** A label or taint value: empty, or 1-63 letters, digits, '-', '_' and '.', starting and ending alphanumeric. */
export function checkLabelValue(property: string, value: string, problems: Problems): void {
  if (Token.isUnresolved(value) || value === "") return;
  if (value.length > 63 || !QUALIFIED_NAME.test(value)) {
    problems.error(property, value, "must be a Kubernetes label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
  }
}

/** The value lowercased with disallowed characters replaced, for a fix that can be pasted. */
function suggestName(value: string, max: number, dots: boolean): string {
  return value
    .toLowerCase()
    .replace(dots ? /[^a-z0-9.-]+/g : /[^a-z0-9-]+/g, "-")
    .slice(0, max)
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
}
