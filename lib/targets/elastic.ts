import { Annotations, Token } from "cdktf";
import { Problems } from "../config/problems";
import { parseDuration } from "../config/units";
import { DeployableCluster } from "./target";

/**
 * Elastic TaskManagers, as every target checks them: where reactive mode may run, and what an autoscaler
 * of the TaskManagers means for the cluster's jobs.
 */

/** The scheduler the rendered configuration selects (typed `scheduler` or raw keys). */
export function schedulerOf(cluster: DeployableCluster): "default" | "adaptive" | "reactive" {
  const entries = cluster.configuration.entries;
  if (String(entries.get("scheduler-mode") ?? "").toLowerCase() === "reactive") return "reactive";
  return String(entries.get("jobmanager.scheduler") ?? "").toLowerCase() === "adaptive" ? "adaptive" : "default";
}

/**
 * Reactive mode runs only in a standalone application cluster (Flink's "Elastic Scaling" limitations:
 * no session clusters, no active resource managers such as YARN or native Kubernetes).
 */
export function checkReactiveMode(cluster: DeployableCluster, where: { readonly target: "ec2" | "kubernetes" | "emr"; readonly mode: "session" | "application" }, problems: Problems): void {
  if (schedulerOf(cluster) !== "reactive") return;
  if (where.target === "kubernetes" && where.mode === "application") return;
  const property = cluster.configuration.sources.get("scheduler-mode") ?? "scheduler";
  const adaptive = 'or scheduler: "adaptive" (jobs then rescale up to their own parallelism as TaskManagers come and go)';
  const [why, fix] =
    where.target === "ec2"
      ? ["FlinkTarget.ec2 runs a session cluster", `run the job as an application with FlinkTarget.kubernetes and KubernetesMode.application({ entryClass }), ${adaptive}.`]
      : where.target === "kubernetes"
        ? ["the Kubernetes target runs a session cluster (KubernetesMode.session())", `use KubernetesMode.application({ entryClass }), ${adaptive}.`]
        : ["Flink on YARN is an active resource manager, which reactive mode does not support", "remove it: on YARN Flink requests the containers its job needs itself; to change a job's parallelism, stop it with a savepoint and start it again with another parallelism."];
  problems.error(property, "reactive", `is reactive mode, which Flink runs only in a standalone application cluster; ${why}`, fix);
}

/** An autoscaler of the TaskManagers, as the target describes it for the checks. */
export interface TaskManagerAutoscaling {
  /** The property that configures it, for messages: "target.taskManagers.autoscaling". */
  readonly property: string;
  /** The property of the most TaskManagers, and its value. */
  readonly maxProperty: string;
  readonly max: number;
  /** Whether the cluster is a session or runs one application. */
  readonly mode: "session" | "application";
}

/**
 * What scaling the TaskManagers does to the jobs: a session's running jobs keep their parallelism (the
 * default scheduler); an application's job only uses new TaskManagers in reactive mode; in reactive mode
 * TaskManagers beyond max parallelism / slots get no tasks.
 */
export function warnAboutAutoscaling(cluster: DeployableCluster, autoscaling: TaskManagerAutoscaling): void {
  const warn = (id: string, message: string) => Annotations.of(cluster).addWarning(`[${id}] ${message}`);
  const scheduler = schedulerOf(cluster);
  if (autoscaling.mode === "session" && scheduler === "default") {
    warn(
      "flink:autoscaling-session",
      `${autoscaling.property} scales a session cluster whose running jobs do not rescale: the default scheduler keeps every job at its parallelism, so added TaskManagers only serve jobs submitted (or restarted) later, and a removed TaskManager fails the tasks it ran (the job restarts on the slots left, or waits for slots). Set scheduler: "adaptive" to let jobs rescale up to their parallelism.`,
    );
  }
  if (autoscaling.mode === "application" && scheduler !== "reactive") {
    warn(
      "flink:autoscaling-without-reactive",
      `${autoscaling.property} scales an application cluster whose job will not use the new TaskManagers: the ${scheduler} scheduler keeps the job at (at most) its parallelism. Set scheduler: "reactive" so the job rescales to every slot there is (Flink's recommended pairing with an autoscaler).`,
    );
  }
  const maxParallelism = cluster.configuration.entries.get("pipeline.max-parallelism");
  const slots = cluster.configuration.taskSlots;
  if (scheduler === "reactive" && typeof maxParallelism === "number" && slots !== undefined && !Token.isUnresolved(autoscaling.max) && autoscaling.max * slots > maxParallelism) {
    const used = Math.max(1, Math.ceil(maxParallelism / slots));
    warn(
      "flink:idle-taskmanagers",
      `${autoscaling.maxProperty} ${autoscaling.max} x taskManager.slots ${slots} is ${autoscaling.max * slots} slots, more than maxParallelism ${maxParallelism}: reactive mode runs no operator on more than ${maxParallelism} slots, so TaskManagers past ${used} get no tasks. Lower the maximum to ${used}, or raise maxParallelism.`,
    );
  }
}

/** A utilization target in percent: (0, max]. */
export function checkUtilization(property: string, value: number, max: number, problems: Problems, why = ""): void {
  if (Token.isUnresolved(value)) return;
  if (typeof value !== "number" || !(value > 0 && value <= max)) {
    problems.error(property, value, `must be a percentage above 0 and at most ${max}${why}`, "give the average CPU utilization to hold, such as 70.");
  }
}

/** A duration in whole seconds within [0, maxSeconds]; its seconds, or undefined when it is bad (reported) or a token. */
export function wholeSeconds(property: string, text: string | undefined, maxSeconds: number, problems: Problems): number | undefined {
  if (text === undefined || Token.isUnresolved(text)) return undefined;
  const ms = typeof text === "string" ? parseDuration(text) : undefined;
  if (ms === undefined || ms % 1000 !== 0 || ms / 1000 > maxSeconds) {
    problems.error(property, text, `must be a duration of whole seconds from 0 to ${maxSeconds} s`, 'give a duration such as "5 min" or "90 s".');
    return undefined;
  }
  return ms / 1000;
}
