/**
 * EMR's default YARN memory per node (yarn.nodemanager.resource.memory-mb, which EMR also sets as
 * yarn.scheduler.maximum-allocation-mb) and the vCPUs of each instance type, from AWS's "Task
 * configuration" page of the EMR release guide (emr-hadoop-task-config). Types it does not list are
 * left out rather than guessed.
 */
export interface YarnNodeLimits {
  readonly maxAllocationMb: number;
  readonly vcpus: number;
}

type Row = readonly [size: string, vcpus: number, megabytes: number];

const TABLE: ReadonlyArray<readonly [family: string, rows: readonly Row[]]> = [
  ["m5", [["xlarge", 4, 12288], ["2xlarge", 8, 24576], ["4xlarge", 16, 57344], ["8xlarge", 32, 122880], ["12xlarge", 48, 188416], ["16xlarge", 64, 253952], ["24xlarge", 96, 385024]]],
  ["m6g", [["xlarge", 4, 11712], ["2xlarge", 8, 23424], ["4xlarge", 16, 54272], ["8xlarge", 32, 116736], ["12xlarge", 48, 181248], ["16xlarge", 64, 241664]]],
  ["r5", [["xlarge", 4, 24576], ["2xlarge", 8, 57344], ["4xlarge", 16, 122880], ["8xlarge", 32, 253952], ["12xlarge", 48, 385024], ["16xlarge", 64, 516096], ["24xlarge", 96, 778240]]],
  ["r6g", [["xlarge", 4, 23424], ["2xlarge", 8, 54272], ["4xlarge", 16, 116736], ["8xlarge", 32, 241664], ["12xlarge", 48, 366592], ["16xlarge", 64, 491520]]],
  ["c5", [["xlarge", 4, 6144], ["2xlarge", 8, 12288], ["4xlarge", 16, 24576], ["9xlarge", 36, 65536], ["12xlarge", 48, 90112], ["18xlarge", 72, 139264], ["24xlarge", 96, 188416]]],
  ["c6g", [["xlarge", 4, 5632], ["2xlarge", 8, 11712], ["4xlarge", 16, 23424], ["8xlarge", 32, 54272], ["12xlarge", 48, 85504], ["16xlarge", 64, 116736]]],
];

const KNOWN = new Map<string, YarnNodeLimits>(TABLE.flatMap(([family, rows]) => rows.map(([size, vcpus, mb]): [string, YarnNodeLimits] => [`${family}.${size}`, { maxAllocationMb: mb, vcpus }])));

export function yarnNodeLimits(instanceType: string): YarnNodeLimits | undefined {
  return KNOWN.get(instanceType);
}
