import { Annotations, TerraformOutput, TerraformResource, Token } from "cdktf";
import { Construct } from "constructs";
import { Problems } from "../config/problems";
import { NetworkSources, TlsNeeds } from "../cluster-feature";
import { ClusterDeploymentFacts, DEPLOYMENT_OUTPUT } from "../plan-guard";
import { terraformAddress } from "../private/terraform-address";
import { DeployableCluster } from "./target";

/** The official image's flink user and group; the tarball install creates the same ids so volumes agree. */
export const FLINK_UID = 9999;

/** Shell single-quoting, so no value can break out of a command line. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The plugin (from Flink's opt/) that serves each filesystem scheme Flink may be given. */
const PLUGIN_OF_SCHEME: Readonly<Record<string, string>> = {
  s3: "flink-s3-fs-presto",
  s3p: "flink-s3-fs-presto",
  s3a: "flink-s3-fs-hadoop",
};

/** Keys whose values are directories Flink writes through a filesystem plugin. */
const STATE_DIRECTORY_KEYS = ["execution.checkpointing.dir", "execution.checkpointing.savepoint-dir", "high-availability.storageDir"];

/**
 * The plugins a cluster's processes must load: those its features ask for, and the one for the
 * scheme of every state directory, so that an s3:// directory set by hand works too. An hdfs://
 * directory needs Hadoop on the classpath, which no target installs: that is a warning.
 */
export function requiredPlugins(cluster: DeployableCluster): string[] {
  const plugins = new Set(cluster.contributions.flatMap((c) => c.plugins ?? []));
  for (const key of STATE_DIRECTORY_KEYS) {
    const value = cluster.configuration.entries.get(key);
    const scheme = typeof value === "string" ? /^([a-z0-9]+):\/\//.exec(value)?.[1] : undefined;
    if (scheme && PLUGIN_OF_SCHEME[scheme]) plugins.add(PLUGIN_OF_SCHEME[scheme]);
    if (scheme === "hdfs") {
      Annotations.of(cluster).addWarning(
        `[flink:hadoop-classpath] ${key} is on HDFS, but Flink only reads hdfs:// with Hadoop's classes on its classpath (HADOOP_CLASSPATH), which this target does not install. Use an image or AMI with Hadoop, or S3.`,
      );
    }
  }
  return [...plugins].sort();
}

/** The scheme of a directory URI; a path without one is a local file to Flink. */
const schemeOf = (uri: string) => /^([a-z][a-z0-9+.-]*):\//.exec(uri)?.[1] ?? "file";
const S3_SCHEMES = ["s3", "s3a", "s3p"];

/**
 * What every target checks of the state directories: with several TaskManager nodes a local
 * (`file://`) checkpoint or savepoint directory is not shared, so no checkpoint can be restored (an
 * error); an S3 directory the cluster's features did not set has no grant (a warning); and without HA
 * a JobManager replaced on a configuration change loses the session's jobs (a warning).
 */
export function checkStateDirectories(cluster: DeployableCluster, taskManagerNodes: { property: string; count: number }, jobManagerReplacedOnChange: boolean, problems: Problems): void {
  const { entries, sources } = cluster.configuration;
  for (const key of ["execution.checkpointing.dir", "execution.checkpointing.savepoint-dir"]) {
    const value = entries.get(key);
    if (typeof value !== "string" || Token.isUnresolved(value)) continue;
    const property = sources.get(key) ?? key;
    if (schemeOf(value) === "file" && taskManagerNodes.count > 1) {
      problems.error(
        property,
        value,
        `is a local directory, but ${taskManagerNodes.property} allows ${taskManagerNodes.count} TaskManagers: each would write its part of a checkpoint to its own disk, and none could be restored`,
        "give the cluster a stateStorage (FlinkStateStorage), or a directory on storage every node shares (s3://, hdfs://).",
      );
    }
    const byFeature = /^(stateStorage|ha)\b/.test(property);
    if (S3_SCHEMES.includes(schemeOf(value)) && !byFeature) {
      Annotations.of(cluster).addWarning(
        `[flink:s3-not-granted] ${property} ${value} is on S3, but no grant covers it: the cluster's role gets no access to it. Bind the bucket as stateStorage, e.g. FlinkStateStorage.fromBucketName(scope, "state", "<bucket>"), or grant access yourself.`,
      );
    }
  }
  if (jobManagerReplacedOnChange && !cluster.contributions.some((c) => c.highAvailability)) {
    Annotations.of(cluster).addWarning(
      "[flink:restart-loses-jobs] the cluster has no high availability: a changed configuration replaces (or restarts) the JobManager, and the session's running jobs are lost (restart them from a savepoint). Set ha to keep them.",
    );
  }
}

/** Commands that copy each plugin's jar from opt/ into plugins/<name>/, where Flink's plugin loader finds it. */
export function pluginCopyCommands(flinkHome: string, plugins: readonly string[]): string[] {
  return plugins.map((p) => `mkdir -p ${flinkHome}/plugins/${p} && cp ${flinkHome}/opt/${p}-*.jar ${flinkHome}/plugins/${p}/`);
}

/** The Terraform output name of one of a cluster's outputs: `orders` + `restUrl` = `orders-rest-url`. */
export function outputName(clusterName: string, key: string): string {
  return `${clusterName}-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** How the flink CLI names the REST endpoint: with https:// under REST TLS. */
function restTarget(cluster: DeployableCluster, rest: string): string {
  return secretStores(cluster)?.restHttps ? `https://${rest}` : rest;
}

/** Every store and secret file the features ask the target to build at start (TLS, Kerberos), merged. */
export function secretStores(cluster: DeployableCluster): TlsNeeds | undefined {
  const needs = cluster.contributions.flatMap((c) => (c.tls ? [c.tls] : []));
  if (needs.length === 0) return undefined;
  return { stores: needs.flatMap((n) => n.stores), restHttps: needs.some((n) => n.restHttps), restMutual: needs.some((n) => n.restMutual) };
}

/** The outputs of a cluster with a REST address: where it is, and the `flink` CLI lines of a session. */
export function restOutputs(cluster: DeployableCluster, endpoints: { jobManagerAddress: string; rest: string; restUrl: string; session: boolean }): Record<string, string> {
  return {
    jobManagerAddress: endpoints.jobManagerAddress,
    restUrl: endpoints.restUrl,
    // With REST TLS the client needs the scheme: a bare host:port makes Flink's client turn REST TLS off
    // and speak http (a 301 it retries on 1.20, a NullPointerException on 2.3; the real TLS test saw both).
    ...(endpoints.session ? { submitJob: `flink run -m ${restTarget(cluster, endpoints.rest)} <job.jar>`, listJobs: `flink list -m ${restTarget(cluster, endpoints.rest)}` } : {}),
  };
}

/** What a target runs a cluster with, for the facts check-plan reads (the `<clusterName>-deployment` output). */
export interface ClusterProcesses {
  /** What runs Flink: "tarball 1.20.1", "image flink:2.3.0-java17", "emr emr-7.13.0". */
  readonly runtime: string;
  /** Resources whose replacement (or rolling update) restarts the JobManager(s). */
  readonly jobManager: readonly TerraformResource[];
  /** Resources whose replacement (or rolling update) restarts the TaskManagers. */
  readonly taskManagers: readonly TerraformResource[];
  /** HA metadata only the target knows of: the namespace of Kubernetes HA, whose ConfigMaps Flink creates. */
  readonly haData?: readonly TerraformResource[];
}

/** The facts check-plan needs of a deployed cluster, from its configuration, features and target. */
export function deploymentFacts(cluster: DeployableCluster, processes: ClusterProcesses): ClusterDeploymentFacts {
  const entries = cluster.configuration.entries;
  const text = (key: string) => (entries.has(key) ? String(entries.get(key)) : "");
  const ha = cluster.contributions.find((c) => c.highAvailability)?.highAvailability?.kind ?? "none";
  const stateful = entries.has("execution.checkpointing.interval") || entries.get("state.backend.type") === "rocksdb" || cluster.contributions.some((c) => c.property === "stateStorage");
  const featureAddresses = (kind: "state" | "haData") => cluster.contributions.flatMap((c) => c.statefulResources?.[kind] ?? []);
  const addresses = (resources: readonly TerraformResource[]) => [...new Set(resources)].map(terraformAddress);
  return {
    cluster: cluster.clusterName,
    flinkVersion: cluster.version.version,
    runtime: processes.runtime,
    mode: cluster.platform?.mode ?? "session",
    ha,
    // ZooKeeper keeps a cluster's HA data under path.root + cluster-id: changing either leaves it behind.
    haClusterId: ha === "zookeeper" ? `${text("high-availability.zookeeper.path.root")}${text("high-availability.cluster-id")}` : ha === "kubernetes" ? text("kubernetes.cluster-id") : "",
    stateful,
    restorePath: text("execution.state-recovery.path"),
    acknowledged: [...(cluster.acknowledgeUnsafeChanges ?? [])],
    resources: {
      jobManager: addresses(processes.jobManager),
      taskManagers: addresses(processes.taskManagers),
      state: featureAddresses("state"),
      haData: [...featureAddresses("haData"), ...addresses(processes.haData ?? [])],
    },
  };
}

/**
 * The cluster's outputs: the target's and what its features report (bucket, prefixes), one per key, and
 * `<clusterName>-deployment`, the facts `cdktf-flink check-plan` reads from a plan.
 */
export function addClusterOutputs(scope: Construct, cluster: DeployableCluster, targetOutputs: Readonly<Record<string, string>>, processes: ClusterProcesses): void {
  const outputs: Record<string, string> = { ...targetOutputs, ...Object.assign({}, ...cluster.contributions.map((c) => c.outputs ?? {})) };
  for (const key of Object.keys(outputs).sort()) {
    const output = new TerraformOutput(scope, key, { value: outputs[key], description: `Flink cluster ${cluster.clusterName}: ${key}` });
    // Readable and stable: "<clusterName>-rest-url"; unique per stack because cluster names are.
    output.overrideLogicalId(outputName(cluster.clusterName, key));
  }
  const facts = new TerraformOutput(scope, DEPLOYMENT_OUTPUT, {
    value: deploymentFacts(cluster, processes),
    description: `Flink cluster ${cluster.clusterName}: what cdktf-flink check-plan guards`,
  });
  facts.overrideLogicalId(outputName(cluster.clusterName, DEPLOYMENT_OUTPUT));
}

/** An image reference: optional registry host[:port]/, a repository path, an optional tag and digest. */
const IMAGE = /^(?:([a-z0-9.-]+(?::\d+)?)\/)?([a-z0-9][a-z0-9._\/-]*?)(?::([\w.-]+))?(@sha256:[0-9a-f]{64})?$/;

/**
 * Checks a container image: a well-formed reference; for the official image (repository "flink"), a
 * tag of the cluster's Flink version; and a warning when it is not pinned by digest.
 */
export function checkFlinkImage(cluster: DeployableCluster, property: string, image: string, problems: Problems): void {
  if (Token.isUnresolved(image)) return;
  const match = IMAGE.exec(image);
  if (!match) {
    problems.error(property, image, "must be a container image reference such as flink:2.2.0-java17", "give the image by name and tag, ideally pinned by digest.");
    return;
  }
  const [, , repository, tag, digest] = match;
  const line = cluster.version.line;
  const official = repository === "flink" || repository.endsWith("/flink");
  if (official && tag && /^\d+\.\d+/.test(tag) && !(tag === line || tag.startsWith(`${line}.`) || tag.startsWith(`${line}-`))) {
    problems.error(property, image, `has tag ${tag}, which is not Flink ${line}`, `use an image of Flink ${line}, or set the cluster's version to the image's.`);
  }
  if (!digest) {
    Annotations.of(cluster).addWarning(`[flink:image-not-pinned] ${property} ${image} is not pinned by digest: pods or nodes started later may run a different image. Append @sha256:<digest>.`);
  }
}

/** Who may scrape the metrics ports: the target's metricsAccess and every feature's sources (monitoring). */
export function metricsSources(cluster: DeployableCluster, targetAccess: NetworkSources | undefined): NetworkSources {
  const all = [targetAccess ?? {}, ...cluster.contributions.map((c) => c.metricsAccess ?? {})];
  return {
    cidrs: all.flatMap((a) => a.cidrs ?? []),
    securityGroupIds: all.flatMap((a) => a.securityGroupIds ?? []),
    namespaceLabels: all.flatMap((a) => a.namespaceLabels ?? []),
    podLabels: all.flatMap((a) => a.podLabels ?? []),
  };
}
