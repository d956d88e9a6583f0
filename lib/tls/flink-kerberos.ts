import { refuseOnEmr } from "../private/validate";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { ClusterContribution, ClusterInfo, IClusterFeature } from "../cluster-feature";
import { FlinkConfigError, Problems } from "../config/problems";
import { refusal } from "../private/report";
import { TLS_STORE_DIR, secretsManagerGrants } from "./flink-tls";
import { TlsSecret } from "./tls-secret";

/** Where each node copies the keytab and krb5.conf at start (memory-backed, the Flink user's only). */
export const KERBEROS_DIR = `${TLS_STORE_DIR}/kerberos`;

/** JAAS login contexts Flink can provide from the keytab: "Client" is ZooKeeper's, "KafkaClient" Kafka's. */
export type KerberosContext = "Client" | "KafkaClient";

export interface FlinkKerberosProps {
  /** The principal of the keytab, e.g. "flink@EXAMPLE.COM" or "flink/analytics@EXAMPLE.COM". */
  readonly principal: string;
  /** The keytab and krb5.conf: `KerberosSecret.kubernetesSecret(name)` or `KerberosSecret.secretsManager(arn)`. */
  readonly secret: TlsSecret;
  /**
   * The JAAS contexts that log in with the keytab (`security.kerberos.login.contexts`).
   * @default ["Client"]: ZooKeeper (FlinkHA with zookeeper.sasl)
   */
  readonly contexts?: readonly KerberosContext[];
}

const PROPERTY = "kerberos";

/**
 * A Kerberos login for one or more clusters: each node copies the keytab and krb5.conf from a secret
 * into memory at start, delivered like TLS stores, and logs in as the principal for the given JAAS
 * contexts (ZooKeeper's Client for FlinkHA with SASL, KafkaClient for Kafka).
 */
export class FlinkKerberos extends Construct implements IClusterFeature {
  private readonly props: FlinkKerberosProps;
  private readonly refused?: FlinkConfigError;

  constructor(scope: Construct, id: string, props: FlinkKerberosProps) {
    super(scope, id);
    this.props = props;
    const problems = new Problems();
    if (!Token.isUnresolved(props.principal) && !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)?@[A-Z0-9.-]+$/.test(props.principal ?? "")) {
      problems.error("principal", props.principal, "must be a Kerberos principal such as flink@EXAMPLE.COM (primary[/instance]@REALM, the realm in capitals)", "give the principal the keytab holds keys for.");
    }
    if (!(props.secret instanceof TlsSecret) || props.secret.format !== "kerberos") {
      problems.error("secret", props.secret instanceof TlsSecret ? props.secret.describe() : props.secret, "must be a keytab and krb5.conf from a secret: a principal without its keytab cannot log in", "use KerberosSecret.kubernetesSecret(name) or KerberosSecret.secretsManager(arn).");
    } else {
      props.secret.check("secret", problems);
    }
    const contexts = props.contexts ?? ["Client"];
    if (contexts.length === 0 || contexts.some((c) => c !== "Client" && c !== "KafkaClient")) {
      problems.error("contexts", contexts, 'must name one or more of "Client" (ZooKeeper) and "KafkaClient" (Kafka)', 'use ["Client"] for FlinkHA with SASL, ["Client", "KafkaClient"] to reach Kafka too.');
    }
    this.refused = refusal(this, problems, `FlinkKerberos "${this.node.path}":`, []);
  }

  public bind(cluster: ClusterInfo): ClusterContribution {
    if (this.refused) throw this.refused;
    refuseOnEmr(cluster.platform, `FlinkKerberos "${this.node.path}"`, cluster.clusterName, "use Kerberos through an EMR security configuration of your own.");
    const secret = this.props.secret;
    const platform = cluster.platform?.kind;
    if (platform && secret.platform !== platform) {
      const problems = new Problems();
      problems.error("secret", secret.describe(), `is a secret on ${secret.platform === "ec2" ? "AWS Secrets Manager" : "Kubernetes"}, which a cluster on ${platform} cannot read`, platform === "ec2" ? "use KerberosSecret.secretsManager(arn)." : "use KerberosSecret.kubernetesSecret(name).");
      problems.throwIfErrors(`FlinkKerberos "${this.node.path}" bound to cluster "${cluster.clusterName}":`);
    }
    return {
      property: PROPERTY,
      config: {
        "security.kerberos.login.keytab": `${KERBEROS_DIR}/flink.keytab`,
        "security.kerberos.login.principal": this.props.principal,
        // The keytab, not a ticket cache a user left on the node.
        "security.kerberos.login.use-ticket-cache": false,
        "security.kerberos.login.contexts": (this.props.contexts ?? ["Client"]).join(","),
        "security.kerberos.krb5-conf.path": `${KERBEROS_DIR}/krb5.conf`,
      },
      iamStatements: secret.kind === "secretsManager" ? secretsManagerGrants("KerberosSecret", secret) : [],
      tls: { stores: [{ purpose: "kerberos", prefix: "security.kerberos", secret }], restHttps: false, restMutual: false },
    };
  }
}
