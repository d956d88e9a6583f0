import { refuseOnEmr } from "../private/validate";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { ClusterContribution, ClusterInfo, IamStatement, IClusterFeature, TlsStoreNeeds } from "../cluster-feature";
import { FlinkConfigError, Problems } from "../config/problems";
import { ConfigValue } from "../config/values";
import { refusal } from "../private/report";
import { generatedSecret } from "./generated-secret";
import { TlsSecret } from "./tls-secret";

/** Where the targets build the stores (memory-backed) and write the final config.yaml with their passwords. */
export const TLS_STORE_DIR = "/run/flink/tls";
export const FINAL_CONF_DIR = "/run/flink/conf";

/** The TLS protocols Flink's JDK provider offers, and cipher suites that work with each. */
const DEFAULT_ALGORITHMS: Readonly<Record<FlinkTlsProtocol, readonly string[] | undefined>> = {
  // Flink's default suites (ECDHE with RSA keys, GCM) are TLS 1.2 suites.
  "TLSv1.2": undefined,
  "TLSv1.3": ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"],
};
export type FlinkTlsProtocol = "TLSv1.2" | "TLSv1.3";

export interface FlinkTlsRestOptions {
  readonly secret: TlsSecret;
  /**
   * Mutual TLS: REST clients must present a certificate signed by the client CA. `"truststore"`: the
   * secret's CA (PEM ca.crt, or the PKCS12 truststore) signs the clients too; `{ secretKey }`: a PEM
   * secret's key holding the client CA (mounted as client-ca.crt and added to the truststore).
   * @default - REST TLS without client authentication
   */
  readonly mutual?: { readonly clientCa: "truststore" | { readonly secretKey: string } };
}

export interface FlinkTlsProps {
  /** TLS for RPC, blob and data connections between JobManagers and TaskManagers (`security.ssl.internal.*`). @default - off */
  readonly internal?: { readonly secret: TlsSecret };
  /** TLS for the REST API and web UI (`security.ssl.rest.*`), optionally mutual. @default - off */
  readonly rest?: FlinkTlsRestOptions;
  /** `security.ssl.protocol`. @default "TLSv1.2" (Flink's) */
  readonly protocol?: FlinkTlsProtocol;
  /** `security.ssl.algorithms`: cipher suites. @default - Flink's for TLSv1.2; TLS_AES_256_GCM_SHA384 and TLS_AES_128_GCM_SHA256 for TLSv1.3 */
  readonly algorithms?: readonly string[];
}

const PROPERTY = "tls";

/**
 * TLS for one or more clusters: internal and REST TLS with PKCS12 stores that each node or pod builds
 * at start from a secret (Kubernetes Secret, cert-manager, AWS Secrets Manager). The rendered
 * config.yaml names the stores and says where their passwords come from; the passwords themselves are
 * only ever written, at start, into a config.yaml that only the Flink user reads.
 */
export class FlinkTls extends Construct implements IClusterFeature {
  private readonly props: FlinkTlsProps;
  private readonly refused?: FlinkConfigError;

  constructor(scope: Construct, id: string, props: FlinkTlsProps) {
    super(scope, id);
    this.props = props;
    const problems = new Problems();
    if (!props.internal && !props.rest) problems.error("internal/rest", Object.keys(props), "must turn on internal or REST TLS (or both)", "give internal: { secret } and/or rest: { secret }.");
    for (const [name, options] of [["internal", props.internal], ["rest", props.rest]] as const) {
      if (!options) continue;
      if (!(options.secret instanceof TlsSecret)) {
        problems.error(`${name}.secret`, options.secret, "must be a TlsSecret: a store needs its key and certificates from a secret", "use TlsSecret.kubernetesSecret(...), TlsSecret.certManager(...) or TlsSecret.secretsManager(...); a password or key given as a value would land in the Terraform JSON.");
        continue;
      }
      options.secret.check(`${name}.secret`, problems);
    }
    const mutual = props.rest?.mutual;
    if (mutual !== undefined) {
      const ca = mutual.clientCa as unknown;
      const inKey = typeof ca === "object" && ca !== null && typeof (ca as { secretKey?: unknown }).secretKey === "string";
      if (ca !== "truststore" && !inKey) {
        problems.error("rest.mutual.clientCa", ca, "must name the CA that signs REST clients: without it every client is refused", 'give "truststore" (the secret\'s CA signs clients) or { secretKey: "client-ca.crt" } (a PEM key of the secret).');
      } else if (inKey && props.rest!.secret.format !== "pem") {
        problems.error("rest.mutual.clientCa", ca, "adds a PEM client CA, but a PKCS12 secret brings its truststore as it is", 'put the client CA into the PKCS12 truststore and use clientCa: "truststore".');
      }
    }
    if (props.protocol !== undefined && !(props.protocol in DEFAULT_ALGORITHMS)) {
      problems.error("protocol", props.protocol, 'must be "TLSv1.2" or "TLSv1.3"', 'use "TLSv1.3" where every client supports it.');
    }
    (props.algorithms ?? []).forEach((suite, i) => {
      if (!/^TLS_[A-Z0-9_]+$/.test(suite)) problems.error(`algorithms[${i}]`, suite, "must be a JSSE cipher suite name such as TLS_AES_256_GCM_SHA384", "use the suites' standard names.");
    });
    if (props.protocol === "TLSv1.3" && (props.algorithms ?? []).some((suite) => !suite.startsWith("TLS_AES_") && !suite.startsWith("TLS_CHACHA20_"))) {
      problems.error("algorithms", props.algorithms, "holds TLS 1.2 suites while protocol is TLSv1.3: the handshake finds no common suite", "use TLS 1.3 suites (TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256) or leave algorithms unset.");
    }
    this.refused = refusal(this, problems, `FlinkTls "${this.node.path}":`, []);
  }

  public bind(cluster: ClusterInfo): ClusterContribution {
    if (this.refused) throw this.refused;
    refuseOnEmr(cluster.platform, `FlinkTls "${this.node.path}"`, cluster.clusterName, "set the target's inTransitCertificates: EMR's in-transit encryption turns on Flink's internal and REST TLS (EMR 7.3 and later).");
    const problems = new Problems();
    const platform = cluster.platform?.kind;
    const config: Record<string, ConfigValue> = {};
    const stores: TlsStoreNeeds[] = [];
    const secretKeys: Record<string, string> = {};
    const iamStatements: IamStatement[] = [];
    for (const purpose of ["internal", "rest"] as const) {
      const options = this.props[purpose];
      if (!options) continue;
      if (options.secret.kind === "generated" && platform !== "ec2") {
        problems.error(`${purpose}.secret`, options.secret.describe(), `is stored in Secrets Manager for a cluster on EC2 (got a cluster on ${platform ?? "no target"})`, "on Kubernetes use TlsSecret.certManager({...}), which issues and renews certificates in the cluster.");
        continue;
      }
      // A generated certificate becomes a secret of the cluster's platform here.
      const secret = options.secret.kind === "generated" ? generatedSecret(new Construct(this, `${cluster.clusterName}-${purpose}`), purpose, cluster, options.secret) : options.secret;
      if (platform && secret.platform !== platform) {
        problems.error(`${purpose}.secret`, secret.describe(), `is a secret on ${secret.platform === "ec2" ? "AWS Secrets Manager" : "Kubernetes"}, which a cluster on ${platform} cannot read`, platform === "ec2" ? "use TlsSecret.secretsManager(arn)." : "use TlsSecret.kubernetesSecret(name) or TlsSecret.certManager({...}).");
      }
      const prefix = `security.ssl.${purpose}`;
      const dir = `${TLS_STORE_DIR}/${purpose}`;
      config[`${prefix}.enabled`] = true;
      config[`${prefix}.keystore`] = `${dir}/keystore.p12`;
      config[`${prefix}.truststore`] = `${dir}/truststore.p12`;
      config[`${prefix}.keystore-type`] = "PKCS12";
      config[`${prefix}.truststore-type`] = "PKCS12";
      for (const key of ["keystore-password", "key-password", "truststore-password"]) {
        secretKeys[`${prefix}.${key}`] = `written at start from ${secret.describe()}`;
      }
      const mutual = purpose === "rest" ? this.props.rest?.mutual : undefined;
      stores.push({ purpose, prefix, secret, clientCaKey: typeof mutual?.clientCa === "object" ? mutual.clientCa.secretKey : undefined });
      if (secret.kind === "secretsManager") iamStatements.push(...secretsManagerGrants(`TlsSecret${purpose === "internal" ? "Internal" : "Rest"}`, secret));
    }
    if (this.props.rest?.mutual) config["security.ssl.rest.authentication-enabled"] = true;
    if (this.props.protocol) config["security.ssl.protocol"] = this.props.protocol;
    const algorithms = this.props.algorithms ?? DEFAULT_ALGORITHMS[this.props.protocol ?? "TLSv1.2"];
    if (algorithms) config["security.ssl.algorithms"] = algorithms.join(",");
    problems.throwIfErrors(`FlinkTls "${this.node.path}" bound to cluster "${cluster.clusterName}":`);
    return {
      property: PROPERTY,
      config,
      iamStatements,
      secretKeys,
      tls: { stores, restHttps: this.props.rest !== undefined, restMutual: this.props.rest?.mutual !== undefined },
    };
  }
}

/** Reading the one secret, and decrypting it through Secrets Manager only; `sid` names the statements. */
export function secretsManagerGrants(sid: string, secret: TlsSecret): IamStatement[] {
  const { secretArn, kmsKeyArn } = secret.ref;
  const statements: IamStatement[] = [{ sid, actions: ["secretsmanager:GetSecretValue"], resources: [secretArn!] }];
  if (kmsKeyArn) {
    const region = Token.isUnresolved(secretArn) ? Fn.element(Fn.split(":", secretArn!), 3) : secretArn!.split(":")[3];
    statements.push({ sid: `${sid}Key`, actions: ["kms:Decrypt"], resources: [kmsKeyArn], conditions: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } } });
  }
  return statements;
}
