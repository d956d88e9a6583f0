import { Token } from "cdktf";
import { Problems } from "../config/problems";

/**
 * The files a store is built from: "pem" (tls.crt, tls.key, ca.crt; a PEM key unencrypted) or "pkcs12"
 * (keystore.p12, truststore.p12 and the stores' password in `password`, as cert-manager writes them);
 * "kerberos" for a Kerberos login (flink.keytab and krb5.conf, see KerberosSecret).
 */
export type TlsStoreFormat = "pem" | "pkcs12" | "kerberos";

export interface SecretsManagerOptions {
  /** @default "pem" */
  readonly format?: TlsStoreFormat;
  /** The customer managed key the secret is encrypted with: the nodes may decrypt through Secrets Manager only. @default - the AWS managed key */
  readonly kmsKeyArn?: string;
  /**
   * The secret's current version when this stack manages it (`aws_secretsmanager_secret_version.version_id`):
   * it goes into the user data, so a new version rolls the nodes onto it. @default - a new version takes effect at the next start
   */
  readonly versionId?: string;
}

export interface GeneratedTlsOptions {
  /** @default 365 */
  readonly validityDays?: number;
  /** Names in the certificate beside the cluster's own (EC2 `*.<zone>`, Kubernetes its Services). @default - none */
  readonly dnsNames?: readonly string[];
}

export interface CertManagerOptions {
  /** The Issuer or ClusterIssuer that signs the certificate. */
  readonly issuer: { readonly name: string; readonly kind?: "Issuer" | "ClusterIssuer" };
  /**
   * A Secret you create in the cluster's namespace holding the PKCS12 password (cert-manager's
   * `passwordSecretRef`): a password given here would be in the Terraform JSON.
   */
  readonly passwordSecret: { readonly name: string; readonly key?: string };
  /** Names in the certificate. @default - the cluster's Services: `<cluster>-rest`, `<cluster>-jobmanager`, with and without `.<namespace>.svc` */
  readonly dnsNames?: readonly string[];
  /** @default "2160h" (90 days) */
  readonly duration?: string;
  /** @default "360h" (15 days) */
  readonly renewBefore?: string;
}

/** Where a store's certificate and key come from; no secret value ever passes through the construct. */
export class TlsSecret {
  /** A Secret in the cluster's namespace (Kubernetes): PEM keys tls.crt, tls.key, ca.crt (a `kubernetes.io/tls` Secret plus ca.crt), or PKCS12. */
  public static kubernetesSecret(name: string, options: { readonly format?: TlsStoreFormat } = {}): TlsSecret {
    return new TlsSecret("kubernetesSecret", options.format ?? "pem", { name });
  }

  /**
   * An AWS Secrets Manager secret (EC2), read at each start with the instance role. Its SecretString is
   * JSON with one entry per file: `{"tls.crt": "-----BEGIN...", "tls.key": "...", "ca.crt": "..."}`, or
   * for PKCS12 `{"keystore.p12": "<base64>", "truststore.p12": "<base64>", "password": "..."}`.
   */
  public static secretsManager(secretArn: string, options: SecretsManagerOptions = {}): TlsSecret {
    return new TlsSecret("secretsManager", options.format ?? "pem", { secretArn, kmsKeyArn: options.kmsKeyArn, versionId: options.versionId });
  }

  /**
   * A CA and a certificate made by Terraform's tls provider, stored in a Secrets Manager secret the stack
   * creates (EC2; on Kubernetes use certManager). The JSON holds only references; the keys live in the
   * Terraform state (encrypt and restrict it) and in the secret. For clusters without a PKI of their own.
   */
  public static generated(options: GeneratedTlsOptions = {}): TlsSecret {
    return new TlsSecret("generated", "pem", { generated: options });
  }

  /** A cert-manager Certificate the cluster creates (Kubernetes), with PKCS12 stores (profile Modern2023). */
  public static certManager(options: CertManagerOptions): TlsSecret {
    return new TlsSecret("certManager", "pkcs12", { certManager: options });
  }

  private constructor(
    public readonly kind: "kubernetesSecret" | "secretsManager" | "certManager" | "generated",
    public readonly format: TlsStoreFormat,
    public readonly ref: { readonly name?: string; readonly secretArn?: string; readonly kmsKeyArn?: string; readonly versionId?: string; readonly certManager?: CertManagerOptions; readonly generated?: GeneratedTlsOptions },
  ) {}

  /** The platform the secret lives on; a generated one lives where its cluster runs. */
  public get platform(): "ec2" | "kubernetes" | "any" {
    return this.kind === "generated" ? "any" : this.kind === "secretsManager" ? "ec2" : "kubernetes";
  }

  /** Names where the value comes from, for the rendered config.yaml and messages; never the value. */
  public describe(): string {
    switch (this.kind) {
      case "kubernetesSecret":
        return `Kubernetes Secret ${this.ref.name} (${this.format})`;
      case "secretsManager":
        // A reference resolves in the rendered files (and on the nodes) to the secret's ARN.
        return `AWS Secrets Manager ${this.ref.secretArn} (${this.format})`;
      case "generated":
        return "a certificate generated by Terraform's tls provider";
      case "certManager":
        return `cert-manager Certificate from ${this.ref.certManager!.issuer.kind ?? "Issuer"} ${this.ref.certManager!.issuer.name}, password from Secret ${this.ref.certManager!.passwordSecret.name}`;
    }
  }

  /** Checks the reference itself: names and ARNs well formed. */
  public check(property: string, problems: Problems): void {
    const known = (value: string | undefined): value is string => value !== undefined && !Token.isUnresolved(value);
    if (!["pem", "pkcs12", "kerberos"].includes(this.format)) problems.error(`${property}.format`, this.format, 'must be "pem" or "pkcs12"', "give the form the secret holds.");
    if (this.kind === "kubernetesSecret" && known(this.ref.name) && !DNS_SUBDOMAIN.test(this.ref.name)) {
      problems.error(`${property}.name`, this.ref.name, "must be a Kubernetes Secret name (lowercase letters, digits, '-' and '.')", "give the Secret's name.");
    }
    if (this.kind === "secretsManager" && known(this.ref.secretArn) && !SECRET_ARN.test(this.ref.secretArn)) {
      problems.error(`${property}.secretArn`, this.ref.secretArn, "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)", "pass the secret's ARN, e.g. aws_secretsmanager_secret.arn.");
    }
    if (this.kind === "secretsManager" && known(this.ref.kmsKeyArn) && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(this.ref.kmsKeyArn)) {
      problems.error(`${property}.kmsKeyArn`, this.ref.kmsKeyArn, "must be a KMS key ARN", "pass the ARN of the key the secret is encrypted with.");
    }
    const days = this.ref.generated?.validityDays;
    if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= 825)) {
      problems.error(`${property}.validityDays`, days, "must be a whole number of days from 1 to 825", "use 365.");
    }
    const cm = this.ref.certManager;
    if (cm) {
      if (!DNS_SUBDOMAIN.test(cm.issuer.name ?? "")) problems.error(`${property}.issuer.name`, cm.issuer.name, "must be the Issuer's name", "give the name of your Issuer or ClusterIssuer.");
      if (!DNS_SUBDOMAIN.test(cm.passwordSecret?.name ?? "")) problems.error(`${property}.passwordSecret.name`, cm.passwordSecret?.name, "must name the Secret that holds the PKCS12 password", "create a Secret with the password (outside Terraform) and name it here.");
      for (const [name, value] of [["duration", cm.duration], ["renewBefore", cm.renewBefore]] as const) {
        if (value !== undefined && !/^(\d+h)?(\d+m)?(\d+s)?$/.test(value)) problems.error(`${property}.${name}`, value, 'must be a Go duration such as "2160h"', 'use hours, e.g. "720h".');
      }
    }
  }
}

const DNS_SUBDOMAIN = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

/** Where a Kerberos login's keytab and krb5.conf come from: the entries (or keys) `flink.keytab` and `krb5.conf`. */
export const KerberosSecret = {
  /** A Secret in the cluster's namespace with the keys flink.keytab and krb5.conf (Kubernetes). */
  kubernetesSecret: (name: string): TlsSecret => TlsSecret.kubernetesSecret(name, { format: "kerberos" }),
  /** A Secrets Manager secret (EC2) whose JSON has "flink.keytab" (base64) and "krb5.conf". */
  secretsManager: (secretArn: string, options: { readonly kmsKeyArn?: string } = {}): TlsSecret => TlsSecret.secretsManager(secretArn, { format: "kerberos", kmsKeyArn: options.kmsKeyArn }),
};
