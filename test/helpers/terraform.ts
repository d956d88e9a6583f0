import { spawnSync } from "child_process";
import * as path from "path";

const script = path.join(__dirname, "..", "..", "scripts", "plan-offline.js");

export type Availability = { ok: true } | { ok: false; reason: string };

/** Whether terraform and the provider mirror are here; the script's own check, so tests and users agree. */
export function terraformAvailability(): Availability {
  // A plain JS script with no types: state the one function used.
  const { availability } = require(script) as { availability: () => { ok: boolean; reason?: string } };
  const result = availability();
  return result.ok ? { ok: true } : { ok: false, reason: result.reason ?? "unknown" };
}

/**
 * Runs `node scripts/plan-offline.js --out <outdir> <stacks...>` (no stacks: every stack). `variables` become
 * TF_VAR_<name>, which terraform ignores in stacks that do not declare them, so one set serves every stack.
 */
export function planOffline(outdir: string, stacks: string[], variables: Record<string, string> = {}): { code: number; output: string } {
  const env = { ...process.env, ...Object.fromEntries(Object.entries(variables).map(([name, value]) => [`TF_VAR_${name}`, value])) };
  const run = spawnSync(process.execPath, [script, "--out", outdir, ...stacks], { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { code: run.status ?? 1, output: `${run.stdout}${run.stderr}${run.error ? run.error.message : ""}` };
}
