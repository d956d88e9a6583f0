import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { Aspects, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { FlinkBestPractices, FlinkHA, FlinkMonitoring, FlinkStateStorage, FlinkTls, FlinkVpc, TlsSecret, ZooKeeperEnsemble, ZooKeeperPlacement } from "./flink";

export interface AcmeFlinkPlatformProps {
  /** The region's three zones the platform spreads over. */
  readonly availabilityZones: readonly [string, string, string];
  /** Acme's hardened Amazon Linux 2023 AMI. */
  readonly amiId: string;
  /** The SHA-512 of the Flink tarball Acme supports (FLINK_RELEASE), from its .sha512 file. */
  readonly flinkTarballSha512: string;
  /** The SHA-512 of the ZooKeeper tarball (ZOOKEEPER_RELEASE). */
  readonly zookeeperTarballSha512: string;
  /** Acme's operations network: Prometheus and operators reach Flink from here only. */
  readonly operationsCidr: string;
}

/** The Flink and ZooKeeper releases Acme runs. */
export const FLINK_RELEASE = "2.3.0";
export const ZOOKEEPER_RELEASE = "3.8.4";

/**
 * What Acme's platform team provides once per stack, for every Flink cluster in it: the network, the
 * state bucket, a three-server ZooKeeper ensemble, monitoring for the operations network's Prometheus,
 * TLS certificates in Secrets Manager, and FlinkBestPractices with every rule an error.
 */
export class AcmeFlinkPlatform extends Construct {
  public readonly network: FlinkVpc;
  public readonly storage: FlinkStateStorage;
  public readonly ha: FlinkHA;
  public readonly monitoring: FlinkMonitoring;
  public readonly tls: FlinkTls;

  constructor(scope: Construct, id: string, public readonly props: AcmeFlinkPlatformProps) {
    super(scope, id);
    const stack = TerraformStack.of(this);
    const region = props.availabilityZones[0].slice(0, -1);
    // Acme's policy: no finding passes, warnings included; exceptions are suppressions with a reason.
    Aspects.of(stack).add(new FlinkBestPractices({ severities: { "FLINK-RETAINED-CHECKPOINTS": "error", "FLINK-RESTART-STRATEGY": "error", "FLINK-SLOTS-VCPUS": "error", "FLINK-RESOURCES": "error" } }));
    this.network = new FlinkVpc(this, "network", { availabilityZones: [...props.availabilityZones] });
    this.storage = new FlinkStateStorage(this, "state", { bucket: { namePrefix: `${stack.node.id}-flink-` } });
    const zookeeper = new ZooKeeperEnsemble(this, "zookeeper", {
      servers: 3,
      placement: ZooKeeperPlacement.ec2({
        vpcId: this.network.vpcId,
        subnets: this.network.privateSubnetIds.map((subnetId, i) => ({ subnetId, availabilityZone: props.availabilityZones[i] })),
        amiId: props.amiId,
        instanceType: "m6i.large",
        release: ZOOKEEPER_RELEASE,
        sha512: props.zookeeperTarballSha512,
      }),
    });
    this.ha = new FlinkHA(this, "ha", { zookeeper: { ensemble: zookeeper } });
    this.monitoring = new FlinkMonitoring(this, "monitoring", { scrapers: { cidrs: [props.operationsCidr] }, ec2Region: region, alerts: { labels: { escalation: "acme-streaming-oncall" } } });
    // The certificates come from Acme's PKI into these secrets (PEM tls.crt, tls.key, ca.crt); never through Terraform.
    const secret = (name: string) => new SecretsmanagerSecret(this, name, { namePrefix: `${stack.node.id}/flink/${name}-`, description: `Acme Flink ${name} certificate (PEM tls.crt, tls.key, ca.crt)` }).arn;
    this.tls = new FlinkTls(this, "tls", {
      internal: { secret: TlsSecret.secretsManager(secret("internal-tls")) },
      rest: { secret: TlsSecret.secretsManager(secret("rest-tls")) },
      protocol: "TLSv1.3",
    });
  }
}
