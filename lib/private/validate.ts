import { Token } from "cdktf";
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

/** RFC 1918 and shared (RFC 6598) address space: what a CIDR must lie in to count as private. */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].map((cidr) => parseIpv4Cidr(cidr)!);

const ipv4Number = (octets: readonly number[]) => octets.reduce((n, octet) => n * 256 + octet, 0);

/** An IPv4 CIDR block that lies wholly inside private address space. */
export function isPrivateIpv4Cidr(cidr: string): boolean {
  const block = parseIpv4Cidr(cidr);
  if (!block) return false;
  return PRIVATE_RANGES.some((range) => block.prefix >= range.prefix && Math.floor(ipv4Number(block.octets) / 2 ** (32 - range.prefix)) === Math.floor(ipv4Number(range.octets) / 2 ** (32 - range.prefix)));
}

/** The CIDR blocks of a list that reach beyond private networks; Terraform references cannot be judged and are left out. */
export function publicCidrs(property: string, cidrs: readonly string[] | undefined): Array<{ property: string; value: string }> {
  return (cidrs ?? []).filter((cidr) => !Token.isUnresolved(cidr) && !isPrivateIpv4Cidr(cidr)).map((value) => ({ property, value }));
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
