import { Problems } from "../config/problems";

/** The octets and prefix of an IPv4 CIDR block, or undefined when it is not one (leading zeros refused, as Terraform does). */
export function parseIpv4Cidr(cidr: string): { readonly octets: readonly number[]; readonly prefix: number } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const parts = match?.slice(1).map((part) => (/^0\d/.test(part) ? NaN : Number(part)));
  if (!parts || parts.slice(0, 4).some((octet) => !(octet <= 255)) || !(parts[4] <= 32)) return undefined;
  return { octets: parts.slice(0, 4), prefix: parts[4] };
}

export function isIpv4Cidr(cidr: string): boolean {
  return parseIpv4Cidr(cidr) !== undefined;
}

/** The ARN of a KMS key (not an alias or a bare key id), in any partition. */
export function isKmsKeyArn(arn: string): boolean {
  return /^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(arn);
}

/**
 * Refuses a feature on the EMR target, whose nodes EMR sets up: a feature that needs our own start-up
 * steps on the nodes (TLS stores, keytabs) or our discovery (scrape configurations) has no way in.
 */
export function refuseOnEmr(platform: { readonly kind: string } | undefined, feature: string, clusterName: string, fix: string): void {
  if (platform?.kind !== "emr") return;
  const problems = new Problems();
  problems.error("target", "FlinkTarget.emr", `cannot carry ${feature.split(" ")[0]}: EMR sets up its nodes itself`, fix);
  problems.throwIfErrors(`${feature} bound to cluster "${clusterName}":`);
}
