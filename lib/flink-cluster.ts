import { Annotations, Token } from "cdktf";
import { Construct } from "constructs";
import { ClusterContribution, ClusterInfo, PlatformInfo } from "./cluster-feature";
import { FlinkMemoryBreakdown, KnownFlinkMemory, memoryToJson } from "./config/memory";
import { FlinkConfiguration, FlinkPorts, buildConfiguration } from "./config/options";
import { Problems } from "./config/problems";
import { checkLogging, renderConfigYaml, renderLog4jProperties } from "./config/render";
import { FlinkSettings } from "./config/settings";
import { formatDuration, parseDuration } from "./config/units";
import { FlinkVersion } from "./config/version";
import { IFlinkStateStorage } from "./flink-state-storage";
import { UnsafeChangeAcknowledgement, checkAcknowledgements } from "./plan-guard";
import { FlinkHA } from "./ha/flink-ha";
import type { FlinkMonitoring } from "./monitoring/flink-monitoring";
import type { FlinkKerberos } from "./tls/flink-kerberos";
import type { FlinkTls } from "./tls/flink-tls";
import { FlinkFilesDirectory, RenderedFiles } from "./private/flink-files";
import { reportUnderCdktfCli } from "./private/report";
import { DeployableCluster, IFlinkTarget } from "./targets/target";

type Writable<T> = { -readonly [K in keyof T]: T[K] };

export interface FlinkClusterProps extends FlinkSettings {
  /** The Flink version the configuration is written and checked for. */
  readonly version: FlinkVersion;
  /**
   * The cluster's name: it names its folder beside the Terraform, its state prefix and its resources.
   * Lowercase letters, digits and '-', starting with a letter, at most 40 characters; unique per stack.
   * @default - the construct id, lowercased with other characters turned into '-'
   */
  readonly clusterName?: string;
  /** Where the cluster runs, e.g. `FlinkTarget.ec2({...})`. @default - none: the cluster only renders its files */
  readonly target?: IFlinkTarget;
  /** Durable storage for checkpoints and savepoints: sets their directories and grants access. @default - none */
  readonly stateStorage?: IFlinkStateStorage;
  /**
   * High availability: `new FlinkHA(scope, "ha", { zookeeper: {...} })` or `{ kubernetes: {} }`. Needed for
   * more than one JobManager, and so that jobs survive a JobManager's loss or replacement.
   * @default - none: one JobManager, whose loss fails the running jobs
   */
  readonly ha?: FlinkHA;
  /**
   * Prometheus metrics, scrape configuration, alert rules and a Grafana dashboard:
   * `new FlinkMonitoring(scope, "monitoring", { scrapers: {...} })`, shared by any number of clusters.
   * @default - none
   */
  readonly monitoring?: FlinkMonitoring;
  /**
   * TLS for internal traffic and the REST API, with stores built on each node from a secret:
   * `new FlinkTls(scope, "tls", { internal: { secret }, rest: { secret } })`.
   * @default - none: plain TCP and http
   */
  readonly tls?: FlinkTls;
  /**
   * A Kerberos login from a keytab delivered like the TLS stores: `new FlinkKerberos(scope, "kerberos",
   * { principal, secret: KerberosSecret.secretsManager(arn) })`; needed by FlinkHA's zookeeper.sasl.
   * @default - none
   */
  readonly kerberos?: FlinkKerberos;
  /** Tags for every resource the cluster creates, beside `flink:cluster` and `flink:version`. @default - none */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Unsafe changes `cdktf-flink check-plan` lets through for this cluster, each with why:
   * `[{ rule: "upgrade-without-restore", reason: "fresh start after the schema change" }]`. Rule ids:
   * replace-without-ha, upgrade-without-restore, destroys-state, destroys-ha-data, ha-cluster-id-changed.
   * @default - none: check-plan refuses every unsafe change
   */
  readonly acknowledgeUnsafeChanges?: ReadonlyArray<UnsafeChangeAcknowledgement>;
}

/**
 * A Flink cluster: its configuration for one Flink version, validated at synth time, with the memory
 * Flink will derive and the rendered files; with a target, the resources that run it. After
 * `cdktf synth` the files lie in `cdktf.out/stacks/<stack>/flink/<clusterName>/`, listed in
 * `flink/manifest.json`.
 */
export class FlinkCluster extends Construct implements DeployableCluster {
  public readonly clusterName: string;
  public readonly version: FlinkVersion;
  /** Every Flink key and value, in the order written to config.yaml. */
  public readonly configuration!: FlinkConfiguration;
  /** The ports the processes listen on. */
  public readonly ports!: FlinkPorts;
  /** Flink's memory derivation, byte for byte; a role whose sizes are tokens is undefined (derived at deploy time). */
  public readonly derivedMemory!: FlinkMemoryBreakdown;
  /** The rendered `config.yaml`. */
  public readonly configYaml!: string;
  /** The rendered `log4j-console.properties`. */
  public readonly log4jProperties!: string;
  /** The rendered `memory.json`. */
  public readonly memoryJson!: string;
  /** The files a target carries to the nodes, by name: config.yaml and log4j-console.properties. */
  public readonly flinkFiles!: Readonly<Record<string, string>>;
  /** Files the features render beside the cluster's own (monitoring's scrape configuration, rules, dashboard). */
  public readonly featureFiles!: Readonly<Record<string, string>>;
  /** What the target and the features add to the cluster (keys, grants, plugins, outputs). */
  public readonly contributions!: readonly ClusterContribution[];
  public readonly tags: Readonly<Record<string, string>>;
  /** Unsafe changes check-plan lets through for this cluster. */
  public readonly acknowledgeUnsafeChanges: readonly UnsafeChangeAcknowledgement[];
  public readonly target?: IFlinkTarget;
  public readonly stateStorage?: IFlinkStateStorage;
  public readonly ha?: FlinkHA;
  public readonly monitoring?: FlinkMonitoring;
  public readonly tls?: FlinkTls;
  /** What the target told the features of itself (kind, namespace, JobManager and TaskManager counts, mode). */
  public readonly platform?: PlatformInfo;

  constructor(scope: Construct, id: string, props: FlinkClusterProps) {
    super(scope, id);
    this.version = props.version;
    this.clusterName = props.clusterName ?? defaultClusterName(id);
    this.target = props.target;
    this.stateStorage = props.stateStorage;
    this.ha = props.ha;
    this.monitoring = props.monitoring;
    this.tls = props.tls;
    this.platform = props.target?.platform();
    this.tags = { "flink:cluster": this.clusterName, "flink:version": this.version.version, ...props.tags };
    this.acknowledgeUnsafeChanges = [...(props.acknowledgeUnsafeChanges ?? [])];
    try {
      this.build(props);
    } catch (error) {
      reportUnderCdktfCli(this, error, ["configuration", "ports", "derivedMemory", "memory", "configYaml", "log4jProperties", "memoryJson", "flinkFiles", "featureFiles", "contributions"]);
    }
  }

  private build(props: FlinkClusterProps): void {
    const errorPrefix = `FlinkCluster "${this.node.path}":`;
    const problems = new Problems();
    checkClusterName(this.clusterName, problems);
    checkAcknowledgements("acknowledgeUnsafeChanges", this.acknowledgeUnsafeChanges, problems);
    problems.throwIfErrors(errorPrefix);
    const info: ClusterInfo = { clusterName: this.clusterName, version: this.version, stateStorage: props.stateStorage, platform: this.platform };
    const self = this as Writable<FlinkCluster>;
    self.contributions = [props.target?.contribute(info), props.stateStorage?.bind(info), props.ha?.bind(info), props.monitoring?.bind(info), props.tls?.bind(info), props.kerberos?.bind(info)].filter((c): c is ClusterContribution => c !== undefined);

    checkLogging(props.logging ?? {}, problems);
    const features = this.contributions.map((c) => ({ property: c.property, config: c.config ?? {}, metricReporters: c.metricReporters, ownedKeys: c.ownedKeys }));
    const result = buildConfiguration(props, props.version, (value) => Token.isUnresolved(value), features);
    problems.errors.push(...result.errors);
    problems.warnings.push(...result.warnings);
    if (result.configuration && props.stateStorage) checkCheckpointExpiry(props.stateStorage, result.configuration, problems);
    if (result.configuration) checkZooKeeperLogin(result.configuration, problems);
    problems.throwIfErrors(errorPrefix);
    for (const warning of problems.warnings) {
      Annotations.of(this).addWarning(`[${warning.id}] ${warning.message}`);
    }

    self.configuration = result.configuration!;
    self.ports = this.configuration.ports;
    self.derivedMemory = {
      taskManager: this.configuration.taskManagerMemory && memoryToJson(this.configuration.taskManagerMemory),
      jobManager: this.configuration.jobManagerMemory && memoryToJson(this.configuration.jobManagerMemory),
    } as FlinkMemoryBreakdown;
    self.configYaml = renderConfigYaml(this.configuration, Object.assign({}, ...this.contributions.map((c) => c.secretKeys ?? {})));
    self.log4jProperties = renderLog4jProperties(props.logging);
    self.memoryJson = JSON.stringify(this.derivedMemory, null, 2) + "\n";
    self.flinkFiles = { "config.yaml": this.configYaml, "log4j-console.properties": this.log4jProperties };

    props.target?.deploy(this);
    const featureFiles: Record<string, string> = {};
    for (const contribution of this.contributions) Object.assign(featureFiles, contribution.afterDeploy?.(this));
    self.featureFiles = featureFiles;
    // Registered last: a cluster whose target refused it has no files to write.
    FlinkFilesDirectory.of(this).register(this, this.clusterName);
  }

  /**
   * Flink's memory derivation, byte for byte: `memory.taskManager.taskHeap`. Reading a role whose memory
   * sizes are tokens throws, saying so; `derivedMemory` has it as undefined instead.
   */
  public get memory(): KnownFlinkMemory {
    const derived = this.derivedMemory;
    const path = this.node.path;
    const known = <R extends keyof KnownFlinkMemory>(role: R): KnownFlinkMemory[R] => {
      const value = derived[role];
      if (!value) {
        throw new Error(`FlinkCluster "${path}": memory.${role} is not known at synth time: ${role}.memory uses a Terraform reference, so Flink derives it at deploy time. Fix: read derivedMemory.${role} (undefined here), or give the sizes as constants.`);
      }
      return value as KnownFlinkMemory[R];
    };
    return {
      get taskManager() {
        return known("taskManager");
      },
      get jobManager() {
        return known("jobManager");
      },
    };
  }

  /** @internal the files written beside the Terraform */
  public renderedFiles(): RenderedFiles {
    return {
      section: "clusters",
      name: this.clusterName,
      folder: this.clusterName,
      meta: { flinkVersion: this.version.version, target: this.target?.kind ?? "none" },
      files: { ...this.flinkFiles, "memory.json": this.memoryJson, ...this.featureFiles },
    };
  }
}

/**
 * Object expiry on the checkpoint prefix must not delete checkpoints Flink still keeps: the oldest
 * retained checkpoint is about interval x retained old. Incremental checkpoints share files across
 * checkpoints for as long as the job runs, so any age-based expiry can delete live state.
 */
function checkCheckpointExpiry(storage: IFlinkStateStorage, configuration: FlinkConfiguration, problems: Problems): void {
  const days = storage.checkpointExpirationDays;
  const interval = configuration.entries.get("execution.checkpointing.interval");
  if (days === undefined || typeof interval !== "string") return;
  const retained = Number(configuration.entries.get("execution.checkpointing.num-retained") ?? 1);
  const keptMs = parseDuration(interval)! * retained;
  if (days * 86_400_000 < keptMs) {
    problems.error(
      "stateStorage",
      `${days} days`,
      `expires checkpoint objects sooner than Flink keeps checkpoints (checkpointing.interval ${interval} x retained ${retained} = ${formatDuration(keptMs)})`,
      "raise the storage's lifecycle.checkpointsExpireAfterDays above that, or keep fewer checkpoints.",
    );
  }
  if (configuration.entries.get("execution.checkpointing.incremental") === true) {
    problems.warn(
      "flink:incremental-expiry",
      `stateStorage expires checkpoint objects after ${days} days, but incremental checkpoints keep sharing files older than that for as long as the job runs: expiry can delete live state. Remove lifecycle.checkpointsExpireAfterDays or turn incremental checkpoints off.`,
    );
  }
}

/** ZooKeeper SASL logs in through the JAAS context "Client", which only a Kerberos login provides. */
function checkZooKeeperLogin(configuration: FlinkConfiguration, problems: Problems): void {
  if (configuration.entries.get("zookeeper.sasl.disable") !== false) return;
  const context = String(configuration.entries.get("zookeeper.sasl.login-context-name") ?? "Client");
  const contexts = String(configuration.entries.get("security.kerberos.login.contexts") ?? "").split(",");
  if (!contexts.includes(context)) {
    problems.error("ha", "zookeeper.sasl", `logs in to ZooKeeper through the JAAS context ${context}, which no Kerberos login of the cluster provides`, `set kerberos: new FlinkKerberos(scope, "kerberos", { principal, secret, contexts: ["${context}"] }).`);
  }
}

function defaultClusterName(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

function checkClusterName(name: string, problems: Problems): void {
  if (!/^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/.test(name)) {
    problems.error("clusterName", name, "must be 1-40 lowercase letters, digits or '-', starting with a letter and not ending with '-'", 'set clusterName to a name such as "orders".');
  }
}

