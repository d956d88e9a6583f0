import * as fs from "fs";
import { Problems, formatProblem } from "../config/problems";
import { ClusterDeploymentFacts, DEPLOYMENT_OUTPUT, UNSAFE_CHANGE_RULES, UnsafeChangeRule, checkAcknowledgements } from "../plan-guard";

/**
 * `cdktf-flink check-plan <plan.json>`: reads `terraform show -json <planfile>` and refuses the changes
 * that lose state or jobs. Which resources run or hold a cluster, and whether it has HA, come from the
 * cluster's `<clusterName>-deployment` output (lib/plan-guard.ts), before (applied) and after (planned).
 */

/** An acknowledgement from the command line: `--acknowledge <rule>:<cluster>=<reason>`. */
export interface PlanAcknowledgement {
  readonly rule: string;
  readonly cluster: string;
  readonly reason: string;
}

export interface PlanFinding {
  readonly rule: UnsafeChangeRule;
  readonly cluster: string;
  /** The resource the change is about, when there is one. */
  readonly address?: string;
  readonly message: string;
  /** Set when the change is accepted: by a command-line flag or the cluster's acknowledgeUnsafeChanges. */
  readonly acknowledged?: { readonly reason: string; readonly by: "flag" | "setting" };
}

/** A plan file the command cannot read, with the line it prints. */
export class PlanError extends Error {}

type Json = any; // terraform's plan JSON (https://developer.hashicorp.com/terraform/internals/json-format)

interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly actions: readonly string[];
  readonly before: Json;
  readonly after: Json;
  readonly afterUnknown: Json;
}

const TAGS = new Set(["tags", "tags_all", "volume_tags"]);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
/** Any attribute but tags differs, or is unknown until apply. */
const changedBeyondTags = (c: ResourceChange) =>
  [...new Set([...Object.keys(c.before ?? {}), ...Object.keys(c.after ?? {})])].some((k) => !TAGS.has(k) && (!same(c.before?.[k], c.after?.[k]) || c.afterUnknown?.[k] === true));
/** The pod template differs: Kubernetes rolls the pods (a replica count alone does not). */
const templateChanged = (c: ResourceChange) => !same(c.before?.spec?.[0]?.template, c.after?.spec?.[0]?.template) || hasUnknown(c.afterUnknown?.spec?.[0]?.template);
/** after_unknown marks values known only at apply with `true`. */
const hasUnknown = (afterUnknown: unknown) => JSON.stringify(afterUnknown ?? false).includes("true");

/**
 * The resource types whose in-place update restarts Flink's processes, and how to tell. A launch
 * template's new version rolls the group (instance refresh); an instance's type change stops it.
 * Other updates (an Auto Scaling group's sizes, an EMR cluster's tags) keep the processes running.
 */
const ROLLING_UPDATES: Readonly<Record<string, (change: ResourceChange) => boolean>> = {
  aws_launch_template: changedBeyondTags,
  aws_instance: changedBeyondTags,
  kubernetes_deployment: templateChanged,
  kubernetes_deployment_v1: templateChanged,
  kubernetes_stateful_set: templateChanged,
  kubernetes_stateful_set_v1: templateChanged,
};

/** What a change does to a resource that runs or holds a cluster: replaced, destroyed, restarted, or nothing. */
function effect(change: ResourceChange | undefined): "replaced" | "destroyed" | "restarted (rolling update)" | undefined {
  if (!change) return undefined;
  if (change.actions.includes("delete")) return change.actions.includes("create") ? "replaced" : "destroyed";
  if (change.actions.includes("update") && ROLLING_UPDATES[change.type]?.(change)) return "restarted (rolling update)";
  return undefined;
}
const deletes = (change: ResourceChange | undefined) => change?.actions.includes("delete") ?? false;

function isFacts(value: unknown): value is ClusterDeploymentFacts {
  const v = value as ClusterDeploymentFacts | null;
  return typeof v === "object" && v !== null && typeof v.cluster === "string" && typeof v.resources === "object" && v.resources !== null;
}

/** Each cluster's facts before (applied state) and after (planned), by output name. */
function clustersOf(plan: Json): Array<{ before?: ClusterDeploymentFacts; after?: ClusterDeploymentFacts }> {
  const priorOutputs = plan.prior_state?.values?.outputs ?? {};
  const names = new Set([...Object.keys(plan.output_changes ?? {}), ...Object.keys(priorOutputs)].filter((n) => n.endsWith(`-${DEPLOYMENT_OUTPUT}`)));
  return [...names].sort().flatMap((name) => {
    const change = plan.output_changes?.[name];
    const before = change ? change.before : priorOutputs[name]?.value;
    const after = change ? change.after : priorOutputs[name]?.value;
    const pair = { before: isFacts(before) ? before : undefined, after: isFacts(after) ? after : undefined };
    return pair.before || pair.after ? [pair] : [];
  });
}

function resourceChanges(plan: Json): Map<string, ResourceChange> {
  const changes = new Map<string, ResourceChange>();
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode && rc.mode !== "managed") continue;
    changes.set(rc.address, { address: rc.address, type: rc.type, actions: rc.change?.actions ?? [], before: rc.change?.before, after: rc.change?.after, afterUnknown: rc.change?.after_unknown });
  }
  return changes;
}

/** Throws a PlanError unless `plan` is the JSON of `terraform show -json <planfile>`. */
function checkIsPlan(plan: Json): void {
  const isPlan = typeof plan === "object" && plan !== null && typeof plan.format_version === "string" && (Array.isArray(plan.resource_changes) || typeof plan.planned_values === "object");
  if (!isPlan) {
    const hint = typeof plan?.values === "object" ? " (it looks like a state: give the plan, `terraform plan -out plan.tfplan && terraform show -json plan.tfplan`)" : "";
    throw new PlanError(`not a terraform plan: expected the JSON of \`terraform show -json <planfile>\` (format_version and resource_changes)${hint}`);
  }
}

/** The findings of a plan: every change that loses state or jobs, with the acknowledgement that accepts it, if any. */
export function checkPlan(plan: unknown, acknowledgements: readonly PlanAcknowledgement[] = []): PlanFinding[] {
  checkIsPlan(plan);
  const changes = resourceChanges(plan);
  const findings: PlanFinding[] = [];
  for (const { before, after } of clustersOf(plan)) {
    // A cluster first planned with facts (a library upgrade) whose resources already exist: judge it by its new facts.
    const existed = (f: ClusterDeploymentFacts) => Object.values(f.resources).flat().some((a) => changes.has(a) && !same(changes.get(a)!.actions, ["create"]));
    const running = before ?? (after && existed(after) ? after : undefined);
    if (!running) continue; // a new cluster loses nothing
    const name = running.cluster;
    const found: Array<Omit<PlanFinding, "cluster" | "acknowledged">> = [];
    const addresses = (pick: (f: ClusterDeploymentFacts) => readonly string[]) => [...new Set([...pick(running), ...(after ? pick(after) : [])])];

    if (running.stateful && running.ha === "none") {
      const roles = new Map<string, string>();
      for (const a of addresses((f) => f.resources.taskManagers)) roles.set(a, "TaskManagers");
      for (const a of addresses((f) => f.resources.jobManager)) roles.set(a, roles.has(a) ? "JobManager and TaskManagers" : "JobManager");
      for (const [address, role] of roles) {
        const what = effect(changes.get(address));
        if (what) found.push({ rule: "replace-without-ha", address, message: `${address} (${role}) is ${what}, and the cluster has no HA: its running jobs are lost. Take a savepoint first (cdktf-flink savepoint --stop) and set restore, or set ha` });
      }
    }
    if (before && after && before.stateful && (before.flinkVersion !== after.flinkVersion || before.runtime !== after.runtime)) {
      const change = before.flinkVersion !== after.flinkVersion ? `Flink ${before.flinkVersion} -> ${after.flinkVersion} (${before.runtime} -> ${after.runtime})` : `runtime ${before.runtime} -> ${after.runtime}`;
      if (!after.restorePath) {
        found.push({ rule: "upgrade-without-restore", message: `${change} with no restore path: the jobs start from empty state. Take a savepoint (cdktf-flink savepoint --stop) and set restore.path to it` });
      } else if (after.restorePath === before.restorePath) {
        found.push({ rule: "upgrade-without-restore", message: `${change} with restore path ${after.restorePath}, the one already applied (stale): the jobs go back to that old savepoint. Take a new savepoint and set restore.path to it` });
      }
    }
    for (const address of addresses((f) => f.resources.state)) {
      if (deletes(changes.get(address))) found.push({ rule: "destroys-state", address, message: `${address} (state storage) is ${effect(changes.get(address))}: every checkpoint and savepoint of the cluster is lost` });
    }
    for (const address of addresses((f) => f.resources.haData)) {
      if (deletes(changes.get(address))) found.push({ rule: "destroys-ha-data", address, message: `${address} (HA data) is ${effect(changes.get(address))}: the jobs' HA metadata (leader, job graphs, checkpoint pointers) is lost` });
    }
    if (before && after && before.ha !== "none" && (after.ha !== before.ha || after.haClusterId !== before.haClusterId)) {
      const to = after.ha === "none" ? "no HA" : `${after.ha} ${after.haClusterId}`;
      found.push({ rule: "ha-cluster-id-changed", message: `HA cluster id ${before.ha} ${before.haClusterId} -> ${to}: the running jobs' HA metadata stays behind under the old id and the cluster starts without it. Stop the jobs with a savepoint and set restore, or keep the id` });
    }

    for (const finding of found) {
      const flag = acknowledgements.find((a) => a.rule === finding.rule && a.cluster === name);
      const setting = after?.acknowledged?.find((a) => a.rule === finding.rule);
      const acknowledged = flag ? { reason: flag.reason, by: "flag" as const } : setting ? { reason: setting.reason, by: "setting" as const } : undefined;
      findings.push({ ...finding, cluster: name, ...(acknowledged ? { acknowledged } : {}) });
    }
  }
  return findings;
}

/** Parses `<rule>:<cluster>=<reason>`, checked like the cluster setting (known rule, a reason). */
export function parseAcknowledgement(text: string): PlanAcknowledgement {
  const match = /^([^:=]+):([^=]+)=([\s\S]*)$/.exec(text);
  if (!match) throw new PlanError(`--acknowledge ${JSON.stringify(text)} must be <rule>:<cluster>=<reason>, e.g. upgrade-without-restore:orders="fresh start"`);
  const [, rule, cluster, reason] = match.map((m) => m.trim());
  const problems = new Problems();
  checkAcknowledgements("--acknowledge", [{ rule, reason }], problems);
  if (problems.errors.length > 0) throw new PlanError(problems.errors.map((p) => formatProblem(p).replace("--acknowledge[0]", "--acknowledge")).join("; "));
  return { rule, cluster, reason };
}

const USAGE = "usage: cdktf-flink check-plan <plan.json> [--acknowledge <rule>:<cluster>=<reason> ...]\n  plan.json: terraform show -json <planfile>\n  rules: " + Object.keys(UNSAFE_CHANGE_RULES).join(", ");

/** The command: 0 when nothing unsafe is left unacknowledged, 1 when something is refused, 2 for usage and unreadable plans. */
export function main(args: readonly string[]): number {
  const files: string[] = [];
  const acknowledgements: PlanAcknowledgement[] = [];
  try {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (arg === "-h" || arg === "--help") {
        console.log(USAGE);
        return 0;
      } else if (arg === "--acknowledge" || arg.startsWith("--acknowledge=")) {
        const value = arg === "--acknowledge" ? args[++i] : arg.slice("--acknowledge=".length);
        if (value === undefined) throw new PlanError("--acknowledge needs <rule>:<cluster>=<reason>");
        acknowledgements.push(parseAcknowledgement(value));
      } else if (arg.startsWith("-")) {
        throw new PlanError(`unknown option ${arg}`);
      } else {
        files.push(arg);
      }
    }
    if (files.length !== 1) throw new PlanError(files.length === 0 ? "give the plan's JSON file" : `give one plan file (got ${files.join(", ")})`);
    let text: string;
    try {
      text = fs.readFileSync(files[0], "utf8");
    } catch (error) {
      throw new PlanError(`cannot read ${files[0]}: ${(error as Error).message}`);
    }
    let plan: unknown;
    try {
      plan = JSON.parse(text);
    } catch (error) {
      throw new PlanError(`${files[0]} is not JSON (${(error as Error).message}): give the output of \`terraform show -json <planfile>\``);
    }
    const findings = checkPlan(plan, acknowledgements);
    const clusters = clustersOf(plan).length;
    const refused = findings.filter((f) => !f.acknowledged);
    for (const f of findings.filter((f) => f.acknowledged)) console.log(`acknowledged: [${f.rule}] ${f.cluster}: ${f.message} (${f.acknowledged!.reason})`);
    for (const f of refused) console.error(`refused: [${f.rule}] ${f.cluster}: ${f.message}`);
    for (const a of acknowledgements.filter((a) => !findings.some((f) => f.rule === a.rule && f.cluster === a.cluster))) {
      console.log(`note: --acknowledge ${a.rule}:${a.cluster} matches no change in this plan`);
    }
    if (refused.length > 0) {
      console.error(`check-plan: ${refused.length} unsafe change(s) refused; acknowledge one with --acknowledge <rule>:<cluster>=<reason> or the cluster's acknowledgeUnsafeChanges`);
      return 1;
    }
    const changed = [...resourceChanges(plan).values()].filter((c) => !c.actions.every((a) => a === "no-op" || a === "read")).length;
    const noClusters = clusters === 0 ? " (no Flink cluster in this plan: no <clusterName>-deployment output)" : "";
    console.log(`check-plan: ok, ${clusters} cluster(s), ${changed} resource change(s), ${findings.length} acknowledged${noClusters}`);
    return 0;
  } catch (error) {
    if (!(error instanceof PlanError)) throw error;
    console.error(`check-plan: ${error.message}\n${USAGE}`);
    return 2;
  }
}
