#!/usr/bin/env node
/**
 * Plans synthesized stacks with no cloud and no registry: the AWS provider comes from a local filesystem
 * mirror and gets mock credentials, so a plan checks the Terraform JSON against the provider's schema
 * and validation without calling AWS.
 *
 *   node scripts/plan-offline.js [--out cdktf.out] [stack ...]
 *   npx cdktf-flink plan-offline [--out cdktf.out] [stack ...]   (the same, from the installed package)
 *
 * Plans every stack under <out>/stacks/ (or the named ones); skips, saying why, stacks that need a
 * provider other than aws (there is no offline copy of, e.g., kubernetes). The mirror is the folder that
 * holds registry.terraform.io/hashicorp/aws: $FLINK_TF_PROVIDER_MIRROR, else the first of Terraform's
 * own implied local mirror folders, or a folder directly under /opt, that holds it.
 * Exit codes: 0 all planned, 1 a plan failed (terraform's output is printed), 2 usage, 3 no terraform
 * or no mirror (with internet access, run `npx cdktf plan <stack>` instead).
 */
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const AWS = "registry.terraform.io/hashicorp/aws";
const OVERRIDE = "zz_offline_override.tf.json";

/** Terraform's implied local mirror folders (its CLI documentation), then folders directly under /opt. */
function candidateMirrors() {
  const home = os.homedir();
  const dataHome = process.env.XDG_DATA_HOME || path.join(home, ".local", "share");
  const implied = [path.join(home, ".terraform.d", "plugins"), path.join(dataHome, "terraform", "plugins"), "/usr/local/share/terraform/plugins", "/usr/share/terraform/plugins"];
  let underOpt = [];
  try {
    underOpt = fs.readdirSync("/opt").sort().map((name) => path.join("/opt", name));
  } catch {
    // no /opt: nothing to add
  }
  return [...implied, ...underOpt];
}
const terraformBin = process.env.TERRAFORM_BINARY_NAME || "terraform";

const hasAws = (mirror) => fs.existsSync(path.join(mirror, AWS));

/** Whether an offline plan can run here: { ok: true, mirror } or { ok: false, reason }. */
function availability() {
  const version = spawnSync(terraformBin, ["version"], { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  if (version.error || version.status !== 0) {
    return { ok: false, reason: `terraform not found (${terraformBin}: ${version.error ? version.error.message : version.stderr.trim()}); install Terraform or, with internet access, run \`npx cdktf plan <stack>\`` };
  }
  const configured = process.env.FLINK_TF_PROVIDER_MIRROR;
  if (configured) {
    const mirror = path.resolve(configured);
    return hasAws(mirror) ? { ok: true, mirror } : { ok: false, reason: `FLINK_TF_PROVIDER_MIRROR=${configured} holds no ${AWS}/` };
  }
  const found = candidateMirrors().find(hasAws);
  if (found) return { ok: true, mirror: found };
  return { ok: false, reason: `no provider mirror: set FLINK_TF_PROVIDER_MIRROR to the folder holding ${AWS}/ (or, with internet access, run \`npx cdktf plan <stack>\`)` };
}

/** Providers a stack needs besides aws, by their local names (e.g. ["kubernetes"]). */
function otherProviders(config) {
  const required = Object.entries((config.terraform && config.terraform.required_providers) || {});
  const isAws = (name, source) => name === "aws" && ["aws", "hashicorp/aws", AWS].includes(String(source || "aws").toLowerCase());
  const others = required.filter(([name, spec]) => !isAws(name, spec && spec.source)).map(([name]) => name);
  // A provider block without a required_providers entry is still a provider terraform must install.
  for (const name of Object.keys(config.provider || {})) if (name !== "aws" && !others.includes(name)) others.push(name);
  return others;
}

/**
 * The override for the stack's aws provider blocks. Terraform merges an override provider block into the
 * base block with the same name and alias (and rejects one with no base), so each block repeats its alias.
 */
function providerOverride(config) {
  const blocks = [].concat((config.provider && config.provider.aws) || []);
  return blocks.map((block) => ({
    ...(block.alias ? { alias: block.alias } : {}),
    access_key: "mock-access-key",
    secret_key: "mock-secret-key",
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    skip_region_validation: true,
    ...(block.region ? {} : { region: "mock-region-1" }),
  }));
}

function run(args, cwd, env) {
  const r = spawnSync(terraformBin, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, output: `${r.stdout || ""}${r.stderr || ""}${r.error ? r.error.message : ""}` };
}

/** Plans one stack directory; returns { ok, summary } or { ok: false, output }. Leaves the directory as it found it. */
function planStack(dir, env, tmp) {
  const config = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8"));
  const override = path.join(dir, OVERRIDE);
  // A lock file from a real init may lack the hash of the mirror's package (another platform): set it aside.
  const lockFile = path.join(dir, ".terraform.lock.hcl");
  const savedLockFile = fs.existsSync(lockFile) ? path.join(fs.mkdtempSync(path.join(tmp, "lock-")), "lock.hcl") : undefined;
  if (savedLockFile) fs.renameSync(lockFile, savedLockFile);
  const blocks = providerOverride(config);
  if (blocks.length > 0) fs.writeFileSync(override, JSON.stringify({ provider: { aws: blocks } }, null, 2));
  // .terraform goes to a temp folder, not into the user's stack directory.
  const stackEnv = { ...env, TF_DATA_DIR: fs.mkdtempSync(path.join(tmp, "data-")) };
  try {
    const init = run(["init", "-input=false", "-no-color"], dir, stackEnv);
    if (!init.ok) return { ok: false, output: init.output };
    const plan = run(["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false"], dir, stackEnv);
    if (!plan.ok) {
      const hints = [
        config.data && "note: this stack reads data sources; those call AWS and cannot be planned offline",
        /No value for required variable/.test(plan.output) && "note: give required variables values with TF_VAR_<name>=... in the environment",
      ].filter(Boolean);
      return { ok: false, output: [plan.output, ...hints].join("\n") };
    }
    const summary = plan.output.split("\n").find((line) => /^(Plan:|No changes\.)/.test(line.trim()));
    return { ok: true, summary: summary ? summary.trim() : "planned" };
  } finally {
    // The override must never reach a real plan; the lock file written here only holds the mirror's hash.
    fs.rmSync(override, { force: true });
    fs.rmSync(lockFile, { force: true });
    if (savedLockFile) fs.renameSync(savedLockFile, lockFile);
  }
}

/** Prints `message` (to stderr unless the exit code is 0) and returns `code`. */
function stop(code, message) {
  (code === 0 ? console.log : console.error)(code === 0 ? message : `plan-offline: ${message}`);
  return code;
}

/**
 * The environment of an offline terraform run: a CLI config in `tmp` that takes aws from the mirror (and
 * nothing from the registry), a plugin cache, no AWS_* settings of the user's shell, no calls home.
 */
function offlineEnvironment(mirror, tmp) {
  const cliConfig = path.join(tmp, "terraform.rc");
  fs.writeFileSync(cliConfig, `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["${AWS}"]
  }
  direct {
    exclude = ["${AWS}"]
  }
}
`);
  const cache = process.env.TF_PLUGIN_CACHE_DIR || path.join(tmp, "plugin-cache");
  fs.mkdirSync(cache, { recursive: true });
  // Real AWS settings from the user's shell (a profile, a session token) must not leak into a mock plan.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
  return Object.assign(env, {
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_PLUGIN_CACHE_DIR: cache,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    AWS_EC2_METADATA_DISABLED: "true",
  });
}

function main(argv) {
  let out = "cdktf.out";
  const names = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") out = argv[++i];
    else if (argv[i] === "-h" || argv[i] === "--help") return stop(0, "usage: cdktf-flink plan-offline [--out cdktf.out] [stack ...]");
    else names.push(argv[i]);
  }
  const stacksDir = path.resolve(out || "", "stacks");
  if (!out || !fs.existsSync(stacksDir)) return stop(2, `no stacks in ${stacksDir}; run \`npx cdktf synth\` first`);
  const all = fs.readdirSync(stacksDir).filter((n) => fs.existsSync(path.join(stacksDir, n, "cdk.tf.json"))).sort();
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length > 0) return stop(2, `no such stack: ${unknown.join(", ")} (stacks: ${all.join(", ")})`);

  const available = availability();
  if (!available.ok) return stop(3, `cannot plan offline: ${available.reason}`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flink-plan-"));
  const env = offlineEnvironment(available.mirror, tmp);

  let failed = 0;
  try {
    for (const name of names.length > 0 ? names : all) {
      const dir = path.join(stacksDir, name);
      const others = otherProviders(JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")));
      if (others.length > 0) {
        console.log(`${name}: skipped, needs provider ${others.join(", ")} (only aws can be planned offline)`);
        continue;
      }
      const started = Date.now();
      const result = planStack(dir, env, tmp);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (result.ok) {
        console.log(`${name}: ${result.summary} (${seconds} s)`);
      } else {
        failed++;
        console.log(`${name}: FAILED (${seconds} s)\n${result.output.trim().replace(/^/gm, `  ${name} | `)}`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return failed > 0 ? stop(1, `${failed} stack(s) failed to plan`) : 0;
}

module.exports = { availability, offlineEnvironment, otherProviders, providerOverride, main };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
