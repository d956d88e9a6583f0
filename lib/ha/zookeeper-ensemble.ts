import { Annotations, TerraformResource, Token } from "cdktf";
import { Construct } from "constructs";
import { ClusterInfo, QuorumAccess } from "../cluster-feature";
import { Problems } from "../config/problems";
import { FlinkFilesDirectory, RenderedFiles } from "../private/flink-files";
import { reportUnderCdktfCli } from "../private/report";
import { DEFAULT_ZOOKEEPER_PORTS, ZooKeeperPorts, renderMyid, renderZooCfg } from "./zoo-cfg";
import { ZooKeeperEc2Placement, ZooKeeperEc2Servers } from "./zookeeper-ec2";
import { ZooKeeperKubernetesPlacement, ZooKeeperKubernetesServers } from "./zookeeper-kubernetes";

/** Where an ensemble's servers run. */
export class ZooKeeperPlacement {
  /** EC2 instances with fixed network interfaces, DNS names and encrypted data volumes, spread over the given subnets. */
  public static ec2(props: ZooKeeperEc2Placement): ZooKeeperPlacement {
    return new ZooKeeperPlacement("ec2", props);
  }

  /** A StatefulSet with a headless Service, persistent volumes and NetworkPolicies. */
  public static kubernetes(props: ZooKeeperKubernetesPlacement): ZooKeeperPlacement {
    return new ZooKeeperPlacement("kubernetes", props);
  }

  private constructor(
    public readonly kind: "ec2" | "kubernetes",
    public readonly props: ZooKeeperEc2Placement | ZooKeeperKubernetesPlacement,
  ) {}
}

export interface ZooKeeperEnsembleProps {
  /** Where the servers run. */
  readonly placement: ZooKeeperPlacement;
  /** How many servers: an odd number, 3 or 5 (an even size tolerates no more failures than one fewer). @default 3 */
  readonly servers?: number;
  /**
   * The ensemble's name: it names its folder beside the Terraform and its resources. Lowercase letters,
   * digits and '-', starting with a letter, at most 30 characters.
   * @default - the construct id, lowercased with other characters turned into '-'
   */
  readonly name?: string;
  /** @default { client: 2181, peer: 2888, election: 3888 } */
  readonly ports?: Partial<ZooKeeperPorts>;
  /** The JVM heap of each server (-Xms and -Xmx), e.g. "1g". ZooKeeper keeps its whole tree in memory. @default "1g" */
  readonly heap?: string;
  /** Tags for every resource. @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Where the servers keep their data (snapshots, myid) and transaction logs. */
export const ZOOKEEPER_DATA_DIR = "/var/lib/zookeeper/data";
export const ZOOKEEPER_DATA_LOG_DIR = "/var/lib/zookeeper/log";
const MAX_SERVERS = 7;

/** What a placement builds the servers from. */
export interface ZooKeeperServersInput {
  readonly ensemble: ZooKeeperEnsemble;
  readonly zooCfg: string;
  /** `myid` contents, by server id (1-based) as a string key. */
  readonly myids: Readonly<Record<string, string>>;
}

/**
 * A ZooKeeper ensemble for Flink's ZooKeeper HA, provisioned by the library. Its `zoo.cfg` and each
 * server's `myid` are written beside the Terraform, byte-equal to what the servers receive. Bind it to
 * clusters through `FlinkHA.zookeeper({ ensemble })`: each bound cluster opens the client port to its
 * own processes only.
 */
export class ZooKeeperEnsemble extends Construct {
  public readonly name: string;
  public readonly servers: number;
  public readonly ports: ZooKeeperPorts;
  public readonly placement: ZooKeeperPlacement;
  /** Each server's stable address, in myid order. */
  public readonly serverAddresses!: readonly string[];
  /** The connection string Flink's `high-availability.zookeeper.quorum` takes: host:port,host:port,... */
  public readonly connectString!: string;
  public readonly zooCfg!: string;
  public readonly heap: string;
  public readonly tags: Readonly<Record<string, string>>;
  /** The resources of the servers, for the placement's kind. */
  public readonly resources!: ZooKeeperEc2Servers | ZooKeeperKubernetesServers;
  private readonly myids!: Record<string, string>;

  constructor(scope: Construct, id: string, props: ZooKeeperEnsembleProps) {
    super(scope, id);
    this.name = props.name ?? id.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    this.servers = props.servers ?? 3;
    this.ports = { ...DEFAULT_ZOOKEEPER_PORTS, ...props.ports };
    this.placement = props.placement;
    this.heap = props.heap ?? "1g";
    this.tags = { "flink:zookeeper": this.name, ...props.tags };

    // Under the cdktf CLI a refused ensemble is an error annotation (see reportUnderCdktfCli).
    try {
      const problems = new Problems();
      if (!/^[a-z]([a-z0-9-]{0,28}[a-z0-9])?$/.test(this.name)) {
        problems.error("name", this.name, "must be 1-30 lowercase letters, digits or '-', starting with a letter and not ending with '-'", 'set name to a name such as "flink-zk".');
      }
      if (!(Number.isInteger(this.servers) && this.servers >= 1 && this.servers <= MAX_SERVERS)) {
        problems.error("servers", this.servers, `must be a whole number from 1 to ${MAX_SERVERS}`, "use 3 (tolerates one server down) or 5 (two).");
      }
      const ports = Object.entries(this.ports);
      for (const [name, port] of ports) {
        if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) problems.error(`ports.${name}`, port, "must be a port number from 1 to 65535", "give a free port.");
      }
      if (new Set(ports.map(([, port]) => port)).size !== ports.length) {
        problems.error("ports", this.ports, "must be three different ports", "give client, peer and election ports of their own.");
      }
      if (!/^\d+[mg]$/.test(this.heap)) problems.error("heap", this.heap, 'must be a JVM heap size such as "1g" or "512m"', "give the size in m or g.");
      problems.throwIfErrors(`ZooKeeperEnsemble "${this.node.path}":`);
      if (this.servers % 2 === 0 || this.servers < 3) {
        Annotations.of(this).addWarning(
          `[flink:zookeeper-size] servers is ${this.servers}: ${this.servers < 3 ? "an ensemble under 3 servers stops with any server" : `an even size tolerates no more failures than ${this.servers - 1} servers`}. Use 3 or 5.`,
        );
      }

      const kubernetes = this.placement.kind === "kubernetes";
      this.serverAddresses = kubernetes
        ? ZooKeeperKubernetesServers.addresses(this, this.placement.props as ZooKeeperKubernetesPlacement)
        : ZooKeeperEc2Servers.addresses(this, this.placement.props as ZooKeeperEc2Placement);
      this.connectString = this.serverAddresses.map((address) => `${address}:${this.ports.client}`).join(",");
      this.zooCfg = renderZooCfg({ servers: this.serverAddresses, ports: this.ports, dataDir: ZOOKEEPER_DATA_DIR, dataLogDir: ZOOKEEPER_DATA_LOG_DIR, listenOnAllIps: kubernetes });
      this.myids = Object.fromEntries(this.serverAddresses.map((_, i) => [String(i + 1), renderMyid(i + 1)]));
      const input: ZooKeeperServersInput = { ensemble: this, zooCfg: this.zooCfg, myids: this.myids };
      this.resources = kubernetes
        ? new ZooKeeperKubernetesServers(this, "Kubernetes", { ...input, placement: this.placement.props as ZooKeeperKubernetesPlacement })
        : new ZooKeeperEc2Servers(this, "Ec2", { ...input, placement: this.placement.props as ZooKeeperEc2Placement });
      FlinkFilesDirectory.of(this).register(this, `zookeeper/${this.name}`);
    } catch (error) {
      reportUnderCdktfCli(this, error, ["serverAddresses", "connectString", "zooCfg", "resources", "myids"]);
    }
  }

  /**
   * How a cluster reaches the quorum. An EC2 ensemble admits EC2 clusters (by security group), a
   * Kubernetes one admits pods (by NetworkPolicy); anything else cannot be opened and is refused.
   */
  public accessFor(cluster: ClusterInfo, problems: Problems): QuorumAccess | undefined {
    const platform = cluster.platform?.kind;
    if (platform !== undefined && platform !== this.placement.kind) {
      problems.error(
        "ha",
        this.node.path,
        `is a ZooKeeper ensemble on ${this.placement.kind}, which cannot open its client port to a cluster on ${platform}`,
        `place the ensemble with ZooKeeperPlacement.${platform}({...}), or give FlinkHA.zookeeper an existing quorum.`,
      );
      return undefined;
    }
    return { description: this.node.path, clientPort: this.ports.client, ...this.resources.clientAccess() };
  }

  /** What holds the ensemble's data (snapshots, transaction logs): the EC2 servers' volumes, or the StatefulSet with its claims. */
  public dataResources(): TerraformResource[] {
    return this.resources instanceof ZooKeeperEc2Servers ? [...this.resources.dataVolumes] : [this.resources.statefulSet];
  }

  /** @internal the files written beside the Terraform */
  public renderedFiles(): RenderedFiles {
    const files: Record<string, string> = { "zoo.cfg": this.zooCfg };
    for (const [id, content] of Object.entries(this.myids)) files[`myid-${id}`] = content;
    return { section: "zookeeperEnsembles", name: this.name, folder: `zookeeper/${this.name}`, meta: { placement: this.placement.kind, servers: this.servers }, files };
  }
}

/** Whether a value is known at synth time. */
export const isKnown = (value: unknown): boolean => value !== undefined && !Token.isUnresolved(value);
