import { ConfigValue } from "./config/values";
import { FlinkVersion } from "./config/version";

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
  /** IAM statements the cluster's processes need (instance role, IRSA role). */
  readonly iamStatements?: readonly IamStatement[];
  /** Flink plugins shipped in Flink's opt/ to enable, by jar base name, e.g. "flink-s3-fs-presto". */
  readonly plugins?: readonly string[];
  /** Values for the cluster's outputs, by name, e.g. { stateBucket: "..." }. */
  readonly outputs?: Readonly<Record<string, string>>;
}

/** A feature that can be bound to a cluster. */
export interface IClusterFeature {
  bind(cluster: ClusterInfo): ClusterContribution;
}
