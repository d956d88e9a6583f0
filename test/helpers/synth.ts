import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";

/** A synthesized stack as a test reads it: its Terraform JSON (parsed and as text) and its flink/ folder. */
export interface SynthesizedStack {
  readonly tf: any;
  readonly text: string;
  readonly flinkDir: string;
}

/** Synthesizes the stack `build` adds to a fresh App, into a fresh directory. */
export function synthStack(build: (app: App) => TerraformStack): SynthesizedStack {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-test-"));
  const app = new App({ outdir });
  const stack = build(app);
  app.synth();
  const dir = path.join(outdir, "stacks", stack.node.id);
  const text = fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8");
  return { tf: JSON.parse(text), text, flinkDir: path.join(dir, "flink") };
}

/** Every resource of one Terraform type in synthesized JSON. */
export function resourcesOf(tf: any, type: string): Array<Record<string, any>> {
  return Object.values(tf.resource?.[type] ?? {});
}
