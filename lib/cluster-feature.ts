import { ConfigValue } from "./config/values";
import { FlinkVersion } from "./config/version";
import type { MetricReporter } from "./config/settings";
import type { IFlinkStateStorage } from "./flink-state-storage";
import type { DeployableCluster } from "./targets/target";
import type { TlsSecret } from "./tls/tls-secret";

/** An IAM policy statement as plain data; a target renders it into the policy of the cluster's role. */
export interface IamStatement {
  readonly sid: string;
  /** @default "Allow" */
  readonly effect?: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** IAM condition blocks: operator -> condition key -> values. */
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** What a cluster tells a feature about itself when the feature binds to it. */
export interface ClusterInfo {
  readonly clusterName: string;
  readonly version: FlinkVersion;
  /** The cluster's durable storage, for features that keep files beside its checkpoints (HA metadata). */
  readonly stateStorage?: IFlinkStateStorage;
  /** Where the cluster runs; undefined for a cluster that only renders its files. */
  readonly platform?: PlatformInfo;
}

/** What a feature may need to know of the cluster's target. */
export interface PlatformInfo {
  readonly kind: "ec2" | "kubernetes" | "emr";
  /** The namespace the cluster's pods run in (Kubernetes). */
  readonly namespace?: string;
  /** How many JobManagers the target runs. */
  readonly jobManagers: number;
  /** How many TaskManagers should be registered: EC2's desired count, Kubernetes' replicas. */
  readonly taskManagers: number;
  /** Session (jobs submitted to it) or application (one job started with the cluster). */
  readonly mode: "session" | "application";
}

/** Who may reach a port. EC2 reads cidrs and securityGroupIds; Kubernetes reads cidrs and the label selectors. */
export interface NetworkSources {
  /** IPv4 CIDR blocks. */
  readonly cidrs?: readonly string[];
  /** EC2: security group ids. */
  readonly securityGroupIds?: readonly string[];
  /** Kubernetes: namespaces, by their labels. */
  readonly namespaceLabels?: ReadonlyArray<Readonly<Record<string, string>>>;
  /** Kubernetes: pods of the cluster's namespace, by their labels. */
  readonly podLabels?: ReadonlyArray<Readonly<Record<string, string>>>;
}

/** A ZooKeeper quorum a cluster's processes connect to, and how its client port is opened to them. */
export interface QuorumAccess {
  /** Names the quorum in messages: a construct path or the connection string. */
  readonly description: string;
  readonly clientPort: number;
  /** EC2: the quorum's security group; the cluster opens its client port to its own groups. */
  readonly securityGroupId?: string;
  /** EC2: CIDR blocks of a quorum outside the stack; the cluster's groups get egress to them. */
  readonly cidrs?: readonly string[];
  /** Kubernetes: the quorum's pods; the cluster adds a NetworkPolicy that admits its pods to them. */
  readonly pods?: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
}

/** What high availability asks of the target. */
export interface HighAvailabilityNeeds {
  readonly kind: "zookeeper" | "kubernetes";
  /** The ZooKeeper quorum (ZooKeeper HA). */
  readonly quorum?: QuorumAccess;
}

/** One TLS store (or Kerberos login) a target builds at start from its secret. */
export interface TlsStoreNeeds {
  readonly purpose: "internal" | "rest" | "kerberos";
  /** Flink's key prefix: security.ssl.internal, security.ssl.rest, security.kerberos. */
  readonly prefix: string;
  readonly secret: TlsSecret;
  /** Mutual REST: the key of the PEM secret that holds the client CA. */
  readonly clientCaKey?: string;
}

/** What TLS and Kerberos ask of the target: build the stores and files before Flink starts, speak https to REST. */
export interface TlsNeeds {
  readonly stores: readonly TlsStoreNeeds[];
  /** REST is https: probes, health checks and the restUrl output follow. */
  readonly restHttps: boolean;
  /** REST wants a client certificate: probes and health checks can only check the port. */
  readonly restMutual: boolean;
}

/**
 * What a feature (state storage, HA, monitoring, TLS) adds to one cluster. A feature never creates a
 * target's resources; the target turns these into resources for its platform.
 */
export interface ClusterContribution {
  /** Names the feature in messages, as a cluster property: "stateStorage". */
  readonly property: string;
  /**
   * Flink keys the feature sets. They are checked against the version's catalog like raw keys; a
   * typed setting or raw key that sets the same key is an error.
   */
  readonly config?: Readonly<Record<string, ConfigValue>>;
  /**
   * Keys the platform sets itself when the processes start, with why ("YARN sets it to ..."): they are
   * not rendered, and a user setting one is an error. A target's (YARN's addresses and ports).
   */
  readonly ownedKeys?: Readonly<Record<string, string>>;
  /** IAM statements the cluster's processes need (instance role, IRSA role). */
  readonly iamStatements?: readonly IamStatement[];
  /** Flink plugins shipped in Flink's opt/ to enable, by jar base name, e.g. "flink-s3-fs-presto". */
  readonly plugins?: readonly string[];
  /** High availability: lets the target run several JobManagers and asks it to open the quorum or grant leader election. */
  readonly highAvailability?: HighAvailabilityNeeds;
  /**
   * Terraform addresses of the resources whose loss loses the cluster's state, for `cdktf-flink
   * check-plan`: the state bucket and its key (state), a ZooKeeper ensemble's data (haData).
   */
  readonly statefulResources?: { readonly state?: readonly string[]; readonly haData?: readonly string[] };
  /** Values for the cluster's outputs, by name, e.g. { stateBucket: "..." }. */
  readonly outputs?: Readonly<Record<string, string>>;
  /** TLS: the stores the target builds at start, and https for REST. */
  readonly tls?: TlsNeeds;
  /** Keys whose values only exist on the nodes (passwords), with where they come from, noted in the rendered config.yaml. */
  readonly secretKeys?: Readonly<Record<string, string>>;
  /** Metric reporters the feature configures (monitoring); their ports are the cluster's metrics ports. */
  readonly metricReporters?: readonly MetricReporter[];
  /** Who may reach the metrics ports, beside the target's own metricsAccess. */
  readonly metricsAccess?: NetworkSources;
  /**
   * Called once the configuration is built and the target has deployed the cluster: the feature may add
   * its own resources, and returns the files it puts in the cluster's folder (name -> content).
   */
  readonly afterDeploy?: (cluster: DeployableCluster) => Readonly<Record<string, string>>;
}

/** A feature that can be bound to a cluster. */
export interface IClusterFeature {
  bind(cluster: ClusterInfo): ClusterContribution;
}
