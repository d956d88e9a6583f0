import { Annotations, Token } from "cdktf";
import { Construct } from "constructs";
import { JobManagerMemory, TaskManagerMemory, memoryToJson } from "./config/memory";
import { FlinkConfiguration, FlinkPorts, buildConfiguration } from "./config/options";
import { Problems } from "./config/problems";
import { checkLogging, renderConfigYaml, renderLog4jProperties } from "./config/render";
import { FlinkSettings } from "./config/settings";
import { FlinkVersion } from "./config/version";
import { ClusterFiles, FlinkFilesDirectory } from "./private/flink-files";

export interface FlinkClusterProps extends FlinkSettings {
  /** The Flink version the configuration is written and checked for. */
  readonly version: FlinkVersion;
  /**
   * The cluster's name: it names its folder beside the Terraform and, with a target, its resources.
   * Lowercase letters, digits and '-', starting with a letter, at most 40 characters; unique per stack.
   * @default - the construct id, lowercased with other characters turned into '-'
   */
  readonly clusterName?: string;
}

/** The memory Flink derives for each process, in bytes, under Flink's own component names. */
export interface FlinkMemoryBreakdown {
  readonly taskManager?: Readonly<Record<keyof TaskManagerMemory, number>>;
  readonly jobManager?: Readonly<Record<keyof JobManagerMemory, number>>;
}

/**
 * A Flink cluster: its configuration for one Flink version, validated at synth time, with the memory
 * Flink will derive and the rendered files. After `cdktf synth` the files lie in
 * `cdktf.out/stacks/<stack>/flink/<clusterName>/`, listed in `flink/manifest.json`.
 */
export class FlinkCluster extends Construct {
  public readonly clusterName: string;
  public readonly version: FlinkVersion;
  /** Every Flink key and value, in the order written to config.yaml. */
  public readonly configuration: FlinkConfiguration;
  /** The ports the processes listen on. */
  public readonly ports: FlinkPorts;
  /** Flink's memory derivation, byte for byte. */
  public readonly memory: FlinkMemoryBreakdown;
  /** The rendered `config.yaml`. */
  public readonly configYaml: string;
  /** The rendered `log4j-console.properties`. */
  public readonly log4jProperties: string;
  /** The rendered `memory.json`. */
  public readonly memoryJson: string;

  constructor(scope: Construct, id: string, props: FlinkClusterProps) {
    super(scope, id);
    this.version = props.version;
    this.clusterName = props.clusterName ?? defaultClusterName(id);

    const problems = new Problems();
    checkClusterName(this.clusterName, problems);
    checkLogging(props.logging ?? {}, problems);
    const result = buildConfiguration(props, props.version, (value) => Token.isUnresolved(value));
    problems.errors.push(...result.errors);
    problems.warnings.push(...result.warnings);
    problems.throwIfErrors(`FlinkCluster "${this.node.path}":`);
    for (const warning of problems.warnings) {
      Annotations.of(this).addWarning(`[${warning.id}] ${warning.message}`);
    }

    this.configuration = result.configuration!;
    this.ports = this.configuration.ports;
    this.memory = {
      taskManager: this.configuration.taskManagerMemory && memoryToJson(this.configuration.taskManagerMemory),
      jobManager: this.configuration.jobManagerMemory && memoryToJson(this.configuration.jobManagerMemory),
    } as FlinkMemoryBreakdown;
    this.configYaml = renderConfigYaml(this.configuration);
    this.log4jProperties = renderLog4jProperties(props.logging);
    this.memoryJson = JSON.stringify(this.memory, null, 2) + "\n";

    FlinkFilesDirectory.of(this).register(this, this.clusterName);
  }

  /** @internal the files written beside the Terraform */
  public clusterFiles(): ClusterFiles {
    return {
      name: this.clusterName,
      flinkVersion: this.version.version,
      target: "none",
      files: {
        "config.yaml": this.configYaml,
        "log4j-console.properties": this.log4jProperties,
        "memory.json": this.memoryJson,
      },
    };
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

