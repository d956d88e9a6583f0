import { Token } from "cdktf";
import { Problems } from "../config/problems";
import { isKmsKeyArn } from "../private/validate";

/** CloudWatch Logs' retention periods; 0 (never expire) is left out on purpose. */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
export const DEFAULT_RETENTION_DAYS = 30;

const known = (value: unknown): boolean => value !== undefined && !Token.isUnresolved(value);

export function checkRetention(property: string, days: number | undefined, problems: Problems): void {
  if (known(days) && !RETENTION_DAYS.includes(days!)) {
    problems.error(property, days, `must be one of CloudWatch's retention periods: ${RETENTION_DAYS.join(", ")}`, `use ${DEFAULT_RETENTION_DAYS}.`);
  }
}

export function checkKmsKey(property: string, arn: string | undefined, problems: Problems): void {
  if (known(arn) && !isKmsKeyArn(arn!)) {
    problems.error(property, arn, "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)", "pass the key's ARN, not an alias or a key ID.");
  }
}

/** An AWS region name: eu-west-1, us-gov-west-1, cn-north-1, ap-southeast-4. */
export function checkRegion(property: string, region: string | undefined, problems: Problems): void {
  if (known(region) && !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region!)) {
    problems.error(property, region, "must be an AWS region name such as eu-west-1", 'give the region only, e.g. "eu-west-1", not an availability zone or an endpoint.');
  }
}

/** A CloudWatch Logs group name. */
export function checkLogGroupName(property: string, name: string, problems: Problems): void {
  if (known(name) && !/^[\w\-./#]{1,512}$/.test(name)) {
    problems.error(property, name, "must be 1-512 letters, digits and _ - . / #", 'give a name such as "/flink/prod/kubernetes".');
  }
}

/** An image reference pinned by digest: <repository>[:<tag>]@sha256:<64 hex>. */
export function checkImageDigest(property: string, image: string, problems: Problems): void {
  if (!known(image)) return;
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:]*@sha256:[0-9a-f]{64}$/.test(image)) {
    const repository = image.split("@")[0];
    problems.error(
      property,
      image,
      "must be pinned by digest (<image>@sha256:<64 hex digits>): a tag can be moved to another image, and this one runs as root on every node",
      `append the digest, e.g. "${repository}@sha256:<digest>"; \`docker buildx imagetools inspect ${repository}\` or \`crane digest ${repository}\` prints it.`,
    );
  }
}

/** A host name or IPv4 address, without scheme, port or path. */
export function checkHost(property: string, host: string, problems: Problems): void {
  if (!known(host)) return;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(host);
  if (scheme) {
    problems.error(property, host, "must be a host name without a scheme", `remove "${scheme[0]}": TLS is set with tls, the port with port.`);
    return;
  }
  const label = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
  if (host.length > 253 || !new RegExp(`^${label}(\\.${label})*$`).test(host)) {
    problems.error(property, host, "must be a host name or IPv4 address, without port or path", "give the port with port, and nothing after the host name.");
  }
}

export function checkPort(property: string, port: number | undefined, problems: Problems): void {
  if (known(port) && !(Number.isInteger(port) && port! >= 1 && port! <= 65535)) {
    problems.error(property, port, "must be a whole number from 1 to 65535");
  }
}

/** OpenSearch's index name rules. */
export function checkIndexName(property: string, index: string, problems: Problems): void {
  if (!known(index)) return;
  const broken = [
    [index.length === 0 || Buffer.byteLength(index) > 255, "must be 1 to 255 bytes long"],
    [index !== index.toLowerCase(), "must be lowercase"],
    [/[\\/*?"<>| ,#:]/.test(index), 'must not contain \\ / * ? " < > | , # : or spaces'],
    [/^[-_+]/.test(index), "must not start with -, _ or +"],
    [index === "." || index === "..", 'must not be "." or ".."'],
  ] as const;
  for (const [failed, rule] of broken) {
    if (failed) problems.error(property, index, `${rule}, as OpenSearch requires of index names`, 'use a name such as "flink-logs".');
  }
}
