import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
// Neither is re-exported by cdktf's root; these are the functions the stack itself synthesizes with.
import { resolve } from "cdktf/lib/_tokens";
import { addCustomSynthesis } from "cdktf/lib/synthesize/synthesizer";

/** What one source (a cluster, a ZooKeeper ensemble) writes beside the stack's Terraform JSON. */
export interface RenderedFiles {
  /** The manifest's list this entry belongs to. */
  readonly section: "clusters" | "zookeeperEnsembles";
  readonly name: string;
  /** The folder under flink/, relative. */
  readonly folder: string;
  /** Fields of the manifest entry beside name and files, e.g. flinkVersion and target. */
  readonly meta: Readonly<Record<string, string | number>>;
  /** File name -> content; content may hold tokens, which are resolved as the stack resolves them. */
  readonly files: Readonly<Record<string, string>>;
}

/** Anything that has files to put beside the Terraform, such as a FlinkCluster. */
export interface FilesSource {
  readonly node: Construct["node"];
  renderedFiles(): RenderedFiles;
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
    const [label, property] = name.startsWith("zookeeper/") ? ["ZooKeeperEnsemble", "name"] : ["FlinkCluster", "clusterName"];
    if (clash) {
      throw new Error(
        `${label} "${source.node.path}": ${property} "${name.replace(/^zookeeper\//, "")}" is already used by "${clash.node.path}" in this stack (it names the files and resources). Fix: give one of them another ${property}.`,
      );
    }
    this.sources.set(name, source);
  }

  /** Writes every source's files and the manifest; `resolve` turns tokens into Terraform expressions. */
  public write(dir: string, resolve: (content: string) => string): void {
    fs.rmSync(dir, { recursive: true, force: true });
    const manifest: Record<string, unknown[]> = { clusters: [] };
    for (const key of [...this.sources.keys()].sort()) {
      const entry = this.sources.get(key)!.renderedFiles();
      fs.mkdirSync(path.join(dir, entry.folder), { recursive: true });
      const files: Record<string, string> = {};
      for (const fileName of Object.keys(entry.files).sort()) {
        const relative = `${entry.folder}/${fileName}`;
        fs.writeFileSync(path.join(dir, relative), resolve(entry.files[fileName]));
        files[fileName] = relative;
      }
      (manifest[entry.section] ??= []).push({ name: entry.name, ...entry.meta, files });
    }
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  }
}
