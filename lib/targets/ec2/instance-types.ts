/** Memory and vCPUs of common instance types, to check Flink's process sizes against them. */

type Sizes = ReadonlyArray<readonly [size: string, vcpus: number]>;
const SIZES: Sizes = [
  ["large", 2],
  ["xlarge", 4],
  ["2xlarge", 8],
  ["4xlarge", 16],
  ["8xlarge", 32],
  ["12xlarge", 48],
  ["16xlarge", 64],
];
/** c5 has no 8xlarge or 16xlarge, but a 9xlarge and an 18xlarge. */
const C5_SIZES: Sizes = [
  ["large", 2],
  ["xlarge", 4],
  ["2xlarge", 8],
  ["4xlarge", 16],
  ["9xlarge", 36],
  ["12xlarge", 48],
  ["18xlarge", 72],
];

/** GiB per vCPU of each family: general purpose 4, compute optimized 2, memory optimized 8. */
const FAMILIES: ReadonlyArray<readonly [families: readonly string[], gibPerVcpu: number, sizes: Sizes]> = [
  [["m5", "m6i", "m6a", "m6g", "m7i", "m7a", "m7g"], 4, SIZES],
  [["c6i", "c6a", "c6g", "c7i", "c7a", "c7g"], 2, SIZES],
  [["c5"], 2, C5_SIZES],
  [["r5", "r6i", "r6a", "r6g", "r7i", "r7a", "r7g"], 8, SIZES],
];

const BURSTABLE: ReadonlyArray<readonly [type: string, memoryGiB: number, vcpus: number]> = [
  ["t3.medium", 4, 2],
  ["t3.large", 8, 2],
  ["t3.xlarge", 16, 4],
  ["t3.2xlarge", 32, 8],
];

export interface InstanceTypeInfo {
  readonly memoryBytes: bigint;
  readonly vcpus: number;
}

const KNOWN = new Map<string, InstanceTypeInfo>([
  ...FAMILIES.flatMap(([families, gibPerVcpu, sizes]) =>
    families.flatMap((family) => sizes.map(([size, vcpus]): [string, InstanceTypeInfo] => [`${family}.${size}`, { memoryBytes: BigInt(vcpus * gibPerVcpu) << 30n, vcpus }])),
  ),
  ...BURSTABLE.map(([type, gib, vcpus]): [string, InstanceTypeInfo] => [type, { memoryBytes: BigInt(gib) << 30n, vcpus }]),
]);

export function instanceTypeInfo(instanceType: string): InstanceTypeInfo | undefined {
  return KNOWN.get(instanceType);
}

/** What the OS, the SSM and CloudWatch agents (and Docker, for images) need beside Flink: 10%, at least 1 GiB. */
export function reservedForSystem(memoryBytes: bigint): bigint {
  const tenth = memoryBytes / 10n;
  return tenth > 1n << 30n ? tenth : 1n << 30n;
}
