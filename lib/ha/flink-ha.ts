import { Annotations, Token } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { ClusterContribution, ClusterInfo, HighAvailabilityNeeds, IClusterFeature, QuorumAccess } from "../cluster-feature";
import { FlinkConfigError, Problems } from "../config/problems";
import { refusal } from "../private/report";
import { formatDuration, parseDuration } from "../config/units";
import { ConfigValue } from "../config/values";
import { isIpv4Cidr } from "../private/validate";
import { TICK_MS } from "./zoo-cfg";
import { ZooKeeperEnsemble } from "./zookeeper-ensemble";
import { terraformAddress } from "../private/terraform-address";

/** A ZooKeeper quorum that runs outside this app. */
export interface ExistingZooKeeperQuorum {
  /** The connection string, as Flink's `high-availability.zookeeper.quorum` takes it: "zk1:2181,zk2:2181,zk3:2181". */
  readonly connectString: string;
  /** EC2 clusters: the quorum's security group; the cluster opens the client port from its own groups to it. @default - none */
  readonly securityGroupId?: string;
  /** EC2 clusters: the quorum's CIDR blocks; the cluster's groups get egress to the client port. @default - none */
  readonly cidrs?: readonly string[];
}

export interface FlinkHAZooKeeperOptions {
  /** An ensemble this app provisions. Set this or `quorum`. */
  readonly ensemble?: ZooKeeperEnsemble;
  /** A quorum that already runs. Set this or `ensemble`. */
  readonly quorum?: ExistingZooKeeperQuorum;
  /** The root znode of Flink's data; each cluster lives under `<pathRoot>/<clusterName>`. @default "/flink" */
  readonly pathRoot?: string;
  /** ACLs of the znodes Flink creates: "creator" needs SASL (Kerberos). @default "open" */
  readonly acl?: "open" | "creator";
  /** SASL (Kerberos) authentication to ZooKeeper, with the JAAS login context Flink's Kerberos settings provide. @default - SASL off */
  readonly sasl?: { readonly serviceName?: string; readonly loginContextName?: string };
  /** How long ZooKeeper keeps a dead JobManager's leadership: the larger part of a failover. The servers allow 2 to 20 ticks (4 s to 40 s with the provisioned ensemble). @default - Flink's 60 s, which the servers cap to 40 s */
  readonly sessionTimeout?: string;
  /** @default - Flink's 15 s */
  readonly connectionTimeout?: string;
  /**
   * Keep leadership while the connection to one ZooKeeper server is suspended, and give it up only when
   * the session is lost. Flink's default (false) treats a suspended connection as lost leadership: the
   * loss of the one server a JobManager or TaskManager talks to (a follower's restart, a rolling
   * replacement) restarts every job, which the real-Flink failover test saw with Flink 1.20.
   * @default true
   */
  readonly tolerateSuspendedConnections?: boolean;
  /** The znode of the job (execution plan) store, under the cluster's path: 1.20's `path.jobgraphs`, 2.x's `path.execution-plans`. @default - Flink's */
  readonly executionPlansPath?: string;
}

export interface FlinkHAKubernetesOptions {
  /** @default - Flink's 15 s */
  readonly leaseDuration?: string;
  /** @default - Flink's 15 s */
  readonly renewDeadline?: string;
  /** @default - Flink's 5 s */
  readonly retryPeriod?: string;
}

export interface FlinkHAProps {
  /** ZooKeeper HA (any target). Set this or `kubernetes`. */
  readonly zookeeper?: FlinkHAZooKeeperOptions;
  /** Kubernetes HA, with leader election on ConfigMaps (Kubernetes target only). Set this or `zookeeper`. */
  readonly kubernetes?: FlinkHAKubernetesOptions;
  /**
   * A durable directory every JobManager reads and writes, for clusters without stateStorage; each
   * cluster gets `<storageDir>/<clusterName>`.
   * @default - the cluster's stateStorage, `<baseUri>/<clusterName>/ha`
   */
  readonly storageDir?: string;
}

/** File systems every JobManager of a cluster shares: HA metadata on anything else is lost with a machine. */
const SHARED_SCHEMES = ["s3", "s3a", "s3p", "hdfs", "gs", "abfs", "abfss", "wasb", "wasbs", "oss", "viewfs"];
const PROPERTY = "ha";

/** Cluster ids taken on each quorum (or Kubernetes namespace), across the whole app. */
const takenIds = new WeakMap<IConstruct, Map<string, Map<string, string>>>();

/**
 * High availability for one or more clusters: several JobManagers, one leader, and jobs that survive the
 * loss of any JobManager (their metadata lives in the HA storage directory, their leader in ZooKeeper or
 * Kubernetes ConfigMaps). Bind it with the cluster's `ha` property; each cluster gets its own cluster id.
 */
export class FlinkHA extends Construct implements IClusterFeature {
  public readonly kind!: "zookeeper" | "kubernetes";
  private readonly props: FlinkHAProps;
  /** Set when the props were refused under the cdktf CLI: every binding stops with it. */
  private readonly refused?: FlinkConfigError;

  /**
   * How many ZooKeeper servers the quorum has: the ensemble's size, or the hosts of the connection
   * string. Undefined for Kubernetes HA, or a connection string that is a Terraform reference.
   */
  public get zooKeeperServers(): { readonly count: number; readonly property: string; readonly value: string } | undefined {
    const zk = this.props.zookeeper;
    if (zk?.ensemble) return { count: zk.ensemble.servers, property: `ensemble ${zk.ensemble.node.path}`, value: `${zk.ensemble.servers} servers` };
    const connect = zk?.quorum?.connectString;
    if (connect === undefined || Token.isUnresolved(connect)) return undefined;
    return { count: connect.split(",").length, property: "zookeeper.quorum.connectString", value: connect };
  }

  constructor(scope: Construct, id: string, props: FlinkHAProps) {
    super(scope, id);
    this.props = props;
    const problems = new Problems();
    if ((props.zookeeper === undefined) === (props.kubernetes === undefined)) {
      problems.error("zookeeper/kubernetes", Object.keys(props), "must set exactly one of zookeeper and kubernetes", "use { zookeeper: { ensemble } }, { zookeeper: { quorum } } or { kubernetes: {} }.");
    }
    const zk = props.zookeeper;
    if (zk) {
      if ((zk.ensemble === undefined) === (zk.quorum === undefined)) {
        problems.error("zookeeper", Object.keys(zk), "must set exactly one of ensemble and quorum", "give a ZooKeeperEnsemble of this app, or the connection string of an existing quorum.");
      }
      const connect = zk.quorum?.connectString;
      if (connect !== undefined && !Token.isUnresolved(connect) && !/^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/.test(connect)) {
        problems.error("zookeeper.quorum.connectString", connect, "must be host:port pairs separated by commas, without a chroot path", 'give e.g. "zk1:2181,zk2:2181,zk3:2181" and put the path in pathRoot.');
      }
      const group = zk.quorum?.securityGroupId;
      if (group !== undefined && !Token.isUnresolved(group) && !/^sg-[0-9a-f]{8}([0-9a-f]{9})?$/.test(group)) {
        problems.error("zookeeper.quorum.securityGroupId", group, "must be a security group id such as sg-0123456789abcdef0", "pass the quorum's security group id.");
      }
      (zk.quorum?.cidrs ?? []).forEach((cidr, i) => {
        if (!Token.isUnresolved(cidr) && !isIpv4Cidr(cidr)) problems.error(`zookeeper.quorum.cidrs[${i}]`, cidr, "must be an IPv4 CIDR block such as 10.0.0.0/16", "fix the CIDR block.");
      });
      if (zk.pathRoot !== undefined && !/^(\/[A-Za-z0-9_.-]+)+$/.test(zk.pathRoot)) {
        problems.error("zookeeper.pathRoot", zk.pathRoot, "must be an absolute znode path without a trailing '/', such as /flink", 'give e.g. "/flink".');
      }
      if (zk.executionPlansPath !== undefined && !/^(\/[A-Za-z0-9_.-]+)+$/.test(zk.executionPlansPath)) {
        problems.error("zookeeper.executionPlansPath", zk.executionPlansPath, "must be a znode path such as /execution-plans", "give a path starting with '/'.");
      }
      if (zk.acl === "creator" && !zk.sasl) {
        problems.error("zookeeper.acl", zk.acl, "needs SASL: a creator ACL admits only the authenticated creator", "set zookeeper.sasl (and Flink's Kerberos login for ZooKeeper), or use acl \"open\".");
      }
      for (const [name, value] of [["sessionTimeout", zk.sessionTimeout], ["connectionTimeout", zk.connectionTimeout]] as const) {
        if (value !== undefined && !Token.isUnresolved(value) && !(parseDuration(value)! > 0)) problems.error(`zookeeper.${name}`, value, 'must be a positive duration such as "30 s"', "give a duration.");
      }
      const session = zk.sessionTimeout === undefined ? undefined : parseDuration(zk.sessionTimeout);
      if (zk.ensemble && session !== undefined && (session < 2 * TICK_MS || session > 20 * TICK_MS)) {
        problems.error("zookeeper.sessionTimeout", zk.sessionTimeout, `is outside what the ensemble's servers grant (2 to 20 ticks of ${TICK_MS} ms: ${formatDuration(2 * TICK_MS)} to ${formatDuration(20 * TICK_MS)}); they would silently change it`, "give a timeout in that range.");
      }
    }
    for (const [name, value] of Object.entries(props.kubernetes ?? {})) {
      if (value !== undefined && !Token.isUnresolved(value) && !(parseDuration(value)! > 0)) problems.error(`kubernetes.${name}`, value, 'must be a positive duration such as "15 s"', "give a duration.");
    }
    if (props.storageDir !== undefined) checkStorageDir("storageDir", props.storageDir, problems);
    this.refused = refusal(this, problems, `FlinkHA "${this.node.path}":`, ["kind"]);
    if (this.refused) return;
    this.kind = props.zookeeper ? "zookeeper" : "kubernetes";
  }

  public bind(cluster: ClusterInfo): ClusterContribution {
    if (this.refused) throw this.refused;
    const problems = new Problems();
    const name = cluster.clusterName;
    const platform = cluster.platform;
    const storageDir = this.props.storageDir ? `${this.props.storageDir.replace(/\/+$/, "")}/${name}` : cluster.stateStorage?.pathsFor(name).highAvailability;
    if (storageDir === undefined) {
      problems.error("ha", this.node.path, "needs a durable directory every JobManager shares, for the jobs' metadata", "give the cluster a stateStorage (HA uses its /ha folder), or set FlinkHA's storageDir.");
    } else if (cluster.stateStorage && !this.props.storageDir) {
      checkStorageDir("stateStorage", cluster.stateStorage.baseUri, problems);
    } else if (this.props.storageDir && !Token.isUnresolved(storageDir) && !(cluster.stateStorage && storageDir.startsWith(`${cluster.stateStorage.baseUri}/${name}/`))) {
      // Grants come with the cluster's stateStorage, for its own folder only.
      Annotations.of(this).addWarning(
        `[flink:ha-storage-not-granted] storageDir ${storageDir} (cluster ${name}) is not in the cluster's stateStorage folder, so no grant covers it: give the cluster's processes access to it yourself, or leave storageDir unset to use the stateStorage's /ha folder.`,
      );
    }
    const clusterId = `/${name}`;
    const config: Record<string, ConfigValue> = {};
    let needs: HighAvailabilityNeeds;
    let registry: string;
    const zk = this.props.zookeeper;
    if (zk) {
      const pathRoot = zk.pathRoot ?? "/flink";
      let quorum: QuorumAccess | undefined;
      if (zk.ensemble) {
        quorum = zk.ensemble.accessFor(cluster, problems);
        registry = `ZooKeeper ensemble ${zk.ensemble.node.path}, path ${pathRoot}`;
      } else {
        const q = zk.quorum!;
        const clientPort = Number(/:(\d+)(,|$)/.exec(q.connectString)?.[1] ?? 2181);
        quorum = { description: q.connectString, clientPort, securityGroupId: q.securityGroupId, cidrs: q.cidrs };
        registry = `ZooKeeper quorum ${q.connectString.split(",").sort().join(",")}, path ${pathRoot}`;
        if (platform?.kind === "ec2" && !q.securityGroupId && !(q.cidrs ?? []).length) {
          problems.error("ha", q.connectString, "is a quorum the EC2 target cannot open: its security groups only let Flink's own ports out", "give zookeeper.quorum.securityGroupId (the quorum's group) or cidrs (its addresses).");
        }
      }
      needs = { kind: "zookeeper", quorum };
      config["high-availability.type"] = "zookeeper";
      config["high-availability.zookeeper.quorum"] = zk.ensemble ? zk.ensemble.connectString : zk.quorum!.connectString;
      config["high-availability.zookeeper.path.root"] = pathRoot;
      if (zk.acl) config["high-availability.zookeeper.client.acl"] = zk.acl;
      if (zk.sessionTimeout) config["high-availability.zookeeper.client.session-timeout"] = zk.sessionTimeout;
      if (zk.connectionTimeout) config["high-availability.zookeeper.client.connection-timeout"] = zk.connectionTimeout;
      if (zk.executionPlansPath) config[executionPlansKey(cluster)] = zk.executionPlansPath;
      config["high-availability.zookeeper.client.tolerate-suspended-connections"] = zk.tolerateSuspendedConnections ?? true;
      // Without SASL, say so: Flink's client otherwise looks for a JAAS "Client" section and logs its absence.
      if (zk.sasl) {
        config["zookeeper.sasl.disable"] = false;
        if (zk.sasl.serviceName) config["zookeeper.sasl.service-name"] = zk.sasl.serviceName;
        if (zk.sasl.loginContextName) config["zookeeper.sasl.login-context-name"] = zk.sasl.loginContextName;
      } else {
        config["zookeeper.sasl.disable"] = true;
      }
    } else {
      const k = this.props.kubernetes!;
      if (platform?.kind !== "kubernetes") {
        problems.error("ha", this.node.path, `is Kubernetes HA, which needs the Kubernetes API (got a cluster on ${platform?.kind ?? "no target"})`, "use FlinkHA with zookeeper on this target, or run the cluster with FlinkTarget.kubernetes.");
      }
      needs = { kind: "kubernetes" };
      registry = `Kubernetes namespace ${platform?.namespace}`;
      config["high-availability.type"] = "kubernetes";
      config["kubernetes.cluster-id"] = name;
      if (platform?.namespace) config["kubernetes.namespace"] = platform.namespace;
      if (k.leaseDuration) config["high-availability.kubernetes.leader-election.lease-duration"] = k.leaseDuration;
      if (k.renewDeadline) config["high-availability.kubernetes.leader-election.renew-deadline"] = k.renewDeadline;
      if (k.retryPeriod) config["high-availability.kubernetes.leader-election.retry-period"] = k.retryPeriod;
    }
    config["high-availability.cluster-id"] = clusterId;
    if (storageDir) config["high-availability.storageDir"] = storageDir;
    this.claimClusterId(registry, clusterId, cluster, problems);
    problems.throwIfErrors(`FlinkHA "${this.node.path}" bound to cluster "${name}":`);
    return { property: PROPERTY, config, highAvailability: needs, outputs: { haClusterId: clusterId }, statefulResources: { haData: (zk?.ensemble?.dataResources() ?? []).map(terraformAddress) } };
  }

  /** Two clusters with one id on one quorum would elect one leader for both and mix their jobs. */
  private claimClusterId(registry: string, clusterId: string, cluster: ClusterInfo, problems: Problems): void {
    const root = this.node.root;
    const quorums = takenIds.get(root) ?? new Map<string, Map<string, string>>();
    takenIds.set(root, quorums);
    const ids = quorums.get(registry) ?? new Map<string, string>();
    quorums.set(registry, ids);
    const owner = `${this.node.path} (cluster ${cluster.clusterName})`;
    const taken = ids.get(clusterId);
    if (taken !== undefined) {
      problems.error("clusterName", cluster.clusterName, `gives cluster id ${clusterId}, which ${taken} already uses on ${registry}: the clusters would share one leader and one job store`, "give one of the clusters another clusterName, or another zookeeper.pathRoot.");
      return;
    }
    ids.set(clusterId, owner);
  }
}

function checkStorageDir(property: string, uri: string, problems: Problems): void {
  if (Token.isUnresolved(uri)) return;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(uri)?.[1];
  if (!scheme || !SHARED_SCHEMES.includes(scheme)) {
    problems.error(property, uri, "is not durable storage every JobManager shares: HA metadata there is lost with the machine that wrote it", "use S3 (FlinkStateStorage) or HDFS.");
  }
}

/** 1.20 names the job store znode path.jobgraphs; 2.0 renamed it path.execution-plans (the catalogs agree). */
function executionPlansKey(cluster: ClusterInfo): string {
  return (cluster.version.line ?? "").startsWith("1.") ? "high-availability.zookeeper.path.jobgraphs" : "high-availability.zookeeper.path.execution-plans";
}
