import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
// Neither is re-exported by cdktf's root; these are the functions the stack itself synthesizes with.
import { resolve } from "cdktf/lib/_tokens";
import { addCustomSynthesis } from "cdktf/lib/synthesize/synthesizer";

/** One cluster's files as they are written beside the stack's Terraform JSON. */
export interface ClusterFiles {
  readonly name: string;
  readonly flinkVersion: string;
  readonly target: string;
  /** File name -> content; content may hold tokens, which are resolved as the stack resolves them. */
  readonly files: Readonly<Record<string, string>>;
}

/** Anything that has files to put beside the Terraform, such as a FlinkCluster. */
export interface FilesSource {
  readonly node: Construct["node"];
  clusterFiles(): ClusterFiles;
}

const ID = "FlinkFiles";

/**
 * Writes `cdktf.out/stacks/<stack>/flink/`: a folder per cluster and `manifest.json` listing them.
 * One per stack, so that every cluster of the stack shares one manifest.
 */
export class FlinkFilesDirectory extends Construct {
  /** The directory of `scope`'s stack, created on first use. */
  public static of(scope: Construct): FlinkFilesDirectory {
    const stack = TerraformStack.of(scope);
    return (stack.node.tryFindChild(ID) as FlinkFilesDirectory | undefined) ?? new FlinkFilesDirectory(stack, ID);
  }

  private readonly sources = new Map<string, FilesSource>();

  private constructor(scope: TerraformStack, id: string) {
    super(scope, id);
    addCustomSynthesis(this, {
      onSynthesize: (session) => {
        const stack = TerraformStack.of(this);
        const dir = path.join(session.outdir, session.manifest.forStack(stack).workingDirectory, "flink");
        this.write(dir, (content) => resolve(stack, content));
      },
    });
  }

  /** Registers a source; its name must be unique in the stack because it names its folder. */
  public register(source: FilesSource, name: string): void {
    const clash = this.sources.get(name);
    if (clash) {
      throw new Error(
        `FlinkCluster "${source.node.path}": clusterName "${name}" is already used by "${clash.node.path}" in this stack (it names the cluster's files and resources). Fix: give one of them another clusterName.`,
      );
    }
    this.sources.set(name, source);
  }

  /** Writes every cluster's files and the manifest; `resolve` turns tokens into Terraform expressions. */
  public write(dir: string, resolve: (content: string) => string): void {
    fs.rmSync(dir, { recursive: true, force: true });
    const clusters = [...this.sources.keys()].sort().map((name) => this.sources.get(name)!.clusterFiles());
    const manifest = clusters.map((cluster) => {
      fs.mkdirSync(path.join(dir, cluster.name), { recursive: true });
      const files: Record<string, string> = {};
      for (const fileName of Object.keys(cluster.files).sort()) {
        const relative = `${cluster.name}/${fileName}`;
        fs.writeFileSync(path.join(dir, relative), resolve(cluster.files[fileName]));
        files[fileName] = relative;
      }
      return { name: cluster.name, flinkVersion: cluster.flinkVersion, target: cluster.target, files };
    });
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ clusters: manifest }, null, 2) + "\n");
  }
}
