import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { CATALOGED_VERSIONS, CatalogedVersion, FlinkCluster, FlinkVersion } from "../../lib";
import { SETTINGS_FIXTURES } from "../fixtures/settings";
import { addExamples } from "./examples";

/** One synthesized cluster's files, as a target would carry them to the nodes. */
export interface RenderedCluster {
  /** `<stack>/<clusterName>` */
  readonly name: string;
  readonly line: CatalogedVersion;
  readonly configYaml: string;
  readonly log4jProperties: string;
  readonly memory: { taskManager?: Record<string, number>; jobManager?: Record<string, number> };
}

export const FIXTURES_STACK = "real-flink-fixtures";

let rendered: RenderedCluster[] | undefined;

/**
 * Every cluster of the examples, and each settings fixture at every cataloged version (stack
 * `real-flink-fixtures`), as `cdktf synth` writes them; synthesized once per test file.
 */
export function renderedClusters(): readonly RenderedCluster[] {
  if (rendered) return rendered;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-rendered-"));
  try {
    const app = new App({ outdir });
    addExamples(app);
    const fixtures = new TerraformStack(app, FIXTURES_STACK);
    for (const version of CATALOGED_VERSIONS) {
      for (const [name, settings] of Object.entries(SETTINGS_FIXTURES)) {
        const clusterName = `${name}-${version.replace(".", "-")}`;
        new FlinkCluster(fixtures, clusterName, { ...settings, version: FlinkVersion.of(version), clusterName });
      }
    }
    app.synth();
    const clusters: RenderedCluster[] = [];
    for (const stack of fs.readdirSync(path.join(outdir, "stacks")).sort()) {
      const flinkDir = path.join(outdir, "stacks", stack, "flink");
      if (!fs.existsSync(flinkDir)) continue;
      const manifest = JSON.parse(fs.readFileSync(path.join(flinkDir, "manifest.json"), "utf8"));
      for (const cluster of manifest.clusters) {
        const read = (file: string) => fs.readFileSync(path.join(flinkDir, cluster.files[file]), "utf8");
        clusters.push({
          name: `${stack}/${cluster.name}`,
          line: FlinkVersion.of(cluster.flinkVersion).catalog!,
          configYaml: read("config.yaml"),
          log4jProperties: read("log4j-console.properties"),
          memory: JSON.parse(read("memory.json")),
        });
      }
    }
    rendered = clusters;
    return clusters;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
