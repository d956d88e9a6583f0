import { EmrClusterStep } from "@cdktf/provider-aws/lib/emr-cluster";
import type { EmrMode } from "./emr-target";

/** Where the application's jar is copied to on the primary node, for `flink run-application`. */
export function localJobJar(clusterName: string): string {
  return `/home/hadoop/flink-jobs/${clusterName}.jar`;
}

/**
 * The command lines EMR's command-runner.jar runs on the primary node: `flink-yarn-session -d` (EMR's
 * wrapper of yarn-session.sh) for a session; for an application, copying the jar from S3, then
 * `flink run-application -t yarn-application`. Memory, slots, the application's name and any restore
 * path come from the flink-conf classification, which both commands read.
 */
export function emrCommandLines(clusterName: string, mode: EmrMode): string[][] {
  if (mode.kind === "session") return [["flink-yarn-session", "-d"]];
  const job = mode.job!;
  const jar = localJobJar(clusterName);
  return [
    ["aws", "s3", "cp", job.jar, jar],
    ["flink", "run-application", "-t", "yarn-application", ...(job.entryClass ? ["-c", job.entryClass] : []), jar, ...(job.args ?? [])],
  ];
}

const STEP_NAMES = { session: ["Start the Flink YARN session"], application: ["Copy the Flink job jar", "Run the Flink application"] };

export function emrSteps(clusterName: string, mode: EmrMode): EmrClusterStep[] {
  return emrCommandLines(clusterName, mode).map((args, i) => ({
    name: STEP_NAMES[mode.kind][i],
    // A failed step leaves the cluster up for diagnosis (its logs are on S3) rather than terminating it.
    actionOnFailure: "CONTINUE",
    hadoopJarStep: [{ jar: "command-runner.jar", args }],
  }));
}
