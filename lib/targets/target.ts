import { Construct } from "constructs";
import { ClusterContribution, ClusterInfo, PlatformInfo } from "../cluster-feature";
import { FlinkMemoryBreakdown } from "../config/memory";
import { FlinkPorts } from "../config/options";
import type { UnsafeChangeAcknowledgement } from "../plan-guard";

/** What a target needs of a cluster to deploy it. */
export interface DeployableCluster extends ClusterInfo, Construct {
  readonly ports: FlinkPorts;
  /** Flink's memory derivation; a role whose sizes are tokens is undefined. */
  readonly derivedMemory: FlinkMemoryBreakdown;
  /** Every key of config.yaml, as rendered. */
  readonly configuration: {
    readonly entries: ReadonlyMap<string, unknown>;
    /** Which property set each key: a user setting, or a feature ("stateStorage (...)", "ha (...)"). */
    readonly sources: ReadonlyMap<string, string>;
    readonly taskSlots?: number;
  };
  /** The rendered files, by file name: config.yaml, log4j-console.properties. */
  readonly flinkFiles: Readonly<Record<string, string>>;
  /** What the features bound to the cluster add (storage grants, plugins, outputs). */
  readonly contributions: readonly ClusterContribution[];
  /** Tags for every resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** Unsafe changes `cdktf-flink check-plan` lets through for this cluster. */
  readonly acknowledgeUnsafeChanges?: readonly UnsafeChangeAcknowledgement[];
}

/** A property of the target and its value, as a best-practice finding names it. */
export interface TargetSetting {
  readonly property: string;
  readonly value: string;
}

/** What a target tells FlinkBestPractices of itself. */
export interface TargetPractices {
  /** The vCPUs of one TaskManager (its instance type's, its CPU limit), when the target knows them. */
  readonly taskManagerVcpus?: TargetSetting & { readonly vcpus: number };
  /** Sources beyond private networks that reach the REST API (which runs any code it is sent). */
  readonly publicRest: readonly TargetSetting[];
  /** The container images the target runs. */
  readonly images: readonly TargetSetting[];
  /** The platform encrypts Flink's traffic itself (EMR's in-transit encryption), in place of FlinkTls. */
  readonly platformTls?: TargetSetting;
}

/**
 * Where and how a cluster runs. A target contributes the keys only it knows (the JobManager's
 * address) before the configuration is built, then creates the resources that run it.
 */
export interface IFlinkTarget {
  /** Named in manifest.json: "ec2". */
  readonly kind: string;
  /** What features may know of the target before they bind (namespace, JobManager count). */
  platform(): PlatformInfo;
  contribute(cluster: ClusterInfo): ClusterContribution;
  deploy(cluster: DeployableCluster): void;
  /** Facts for FlinkBestPractices: CPUs, public REST sources, images. */
  practices(cluster: DeployableCluster): TargetPractices;
}
