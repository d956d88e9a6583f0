/**
 * Flink's TaskManager and JobManager memory model, derived byte for byte as Flink 1.20 and 2.x do
 * (ProcessMemoryUtils, TaskExecutorFlinkMemoryUtils, JobManagerFlinkMemoryUtils, RangeFraction and
 * MemorySize in flink-runtime / flink-core-api). Every configuration Flink refuses at start-up is
 * reported as an error with Flink's reason; what Flink only logs is not an error.
 */
import { Problems } from "./problems";
import { MAX_MEMORY_SIZE, formatMemorySize } from "./units";

/** Parsed TaskManager memory options; sizes in bytes, fractions as the user wrote them (Flink reads them as 32-bit floats). Undefined = not set (Flink default applies). */
export interface TaskManagerMemoryInput {
  process?: bigint;
  flink?: bigint;
  taskHeap?: bigint;
  managed?: bigint;
  managedFraction?: number;
  frameworkHeap?: bigint;
  frameworkOffHeap?: bigint;
  taskOffHeap?: bigint;
  networkFraction?: number;
  networkMin?: bigint;
  networkMax?: bigint;
  jvmMetaspace?: bigint;
  jvmOverheadFraction?: number;
  jvmOverheadMin?: bigint;
  jvmOverheadMax?: bigint;
}

export interface JobManagerMemoryInput {
  process?: bigint;
  flink?: bigint;
  heap?: bigint;
  offHeap?: bigint;
  jvmMetaspace?: bigint;
  jvmOverheadFraction?: number;
  jvmOverheadMin?: bigint;
  jvmOverheadMax?: bigint;
}

/** memory.json field names (Flink's own component names), bytes. */
export interface TaskManagerMemory {
  totalProcess: bigint;
  totalFlink: bigint;
  frameworkHeap: bigint;
  taskHeap: bigint;
  frameworkOffHeap: bigint;
  taskOffHeap: bigint;
  managed: bigint;
  network: bigint;
  jvmMetaspace: bigint;
  jvmOverhead: bigint;
}

export interface JobManagerMemory {
  totalProcess: bigint;
  totalFlink: bigint;
  jvmHeap: bigint;
  offHeap: bigint;
  jvmMetaspace: bigint;
  jvmOverhead: bigint;
}

/** The memory Flink derives for each process, in bytes as JSON numbers: memory.json. */
export interface FlinkMemoryBreakdown {
  readonly taskManager?: Readonly<Record<keyof TaskManagerMemory, number>>;
  readonly jobManager?: Readonly<Record<keyof JobManagerMemory, number>>;
}

/** The breakdown of a cluster whose memory sizes are constants (every cluster but one with token sizes). */
export interface KnownFlinkMemory {
  readonly taskManager: Readonly<Record<keyof TaskManagerMemory, number>>;
  readonly jobManager: Readonly<Record<keyof JobManagerMemory, number>>;
}

/** -Xmx/-Xms, -XX:MaxDirectMemorySize, -XX:MaxMetaspaceSize. */
export interface JvmMemoryArgs {
  heap: bigint;
  maxDirect?: bigint;
  maxMetaspace: bigint;
}

const MiB = 1n << 20n;

// Defaults of TaskManagerOptions / JobManagerOptions, identical in 1.20 and 2.x.
// The network max is MemorySize.MAX_VALUE ("infinite"), not the 1 gb many tutorials claim.
const TM_DEFAULTS = {
  frameworkHeap: 128n * MiB,
  frameworkOffHeap: 128n * MiB,
  taskOffHeap: 0n,
  managedFraction: 0.4,
  networkFraction: 0.1,
  networkMin: 64n * MiB,
  networkMax: MAX_MEMORY_SIZE,
  jvmMetaspace: 256n * MiB,
  jvmOverheadFraction: 0.1,
  jvmOverheadMin: 192n * MiB,
  jvmOverheadMax: 1024n * MiB,
};

const JM_DEFAULTS = {
  offHeap: 128n * MiB,
  jvmMetaspace: 256n * MiB,
  jvmOverheadFraction: 0.1,
  jvmOverheadMin: 192n * MiB,
  jvmOverheadMax: 1024n * MiB,
};

/** JobManagerOptions.MIN_JVM_HEAP_SIZE: below it Flink only logs a warning. */
const MIN_JOBMANAGER_HEAP = 128n * MiB;

type TmField = keyof TaskManagerMemoryInput;
type JmField = keyof JobManagerMemoryInput;
/** The options ProcessMemoryUtils reads for both processes, under the same names in both inputs. */
type JvmField = "process" | "flink" | "jvmMetaspace" | "jvmOverheadFraction" | "jvmOverheadMin" | "jvmOverheadMax";

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

const REFUSED = "Flink refuses this at start-up";

/** Thrown where Flink throws at start-up (it stops at the first failure, so do we); caught in `run`. */
class Refusal {
  /** `field` undefined: a 64-bit overflow, blamed on the largest size the user set. */
  constructor(
    readonly field: string | undefined,
    readonly rule: string,
    readonly fix: string,
  ) {}
}

const APPROXIMATE_UNITS: ReadonlyArray<[bigint, string]> = [
  [1n << 40n, "tb"],
  [1n << 30n, "gb"],
  [MiB, "mb"],
  [1n << 10n, "kb"],
];

/**
 * A size as Flink's own errors write it, human form first: "724 mb (759169024 bytes)", or for a size
 * that is no whole number of a unit "345.6 mb (362387866 bytes)" (MemorySize#toHumanReadableString).
 */
function show(bytes: bigint): string {
  if (bytes === MAX_MEMORY_SIZE) return `unlimited (${bytes} bytes)`;
  const exact = formatMemorySize(bytes);
  if (!exact.endsWith(" bytes")) return `${exact} (${bytes} bytes)`;
  const unit = APPROXIMATE_UNITS.find(([size]) => bytes > size);
  if (!unit) return exact;
  const approximate = (Number(bytes) / Number(unit[0])).toFixed(3).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, ".0");
  return `${approximate} ${unit[1]} (${bytes} bytes)`;
}

/** One derivation: the user's options, Flink's defaults, and where problems are reported. */
class Derivation<Field extends string> {
  private readonly settings: Readonly<Record<string, bigint | number | undefined>>;

  constructor(
    readonly property: string,
    input: object,
    private readonly defaults: Readonly<Partial<Record<Field, bigint | number>>>,
  ) {
    this.settings = input as Readonly<Record<string, bigint | number | undefined>>;
  }

  isSet(field: Field): boolean {
    return this.settings[field] !== undefined;
  }

  size(field: Field): bigint {
    return (this.settings[field] ?? this.defaults[field]) as bigint;
  }

  fraction(field: Field): number {
    return (this.settings[field] ?? this.defaults[field]) as number;
  }

  defaultOf(field: Field): bigint | number | undefined {
    return this.defaults[field];
  }

  key(field: string): string {
    return `${this.property}.${field}`;
  }

  refuse(field: Field, rule: string, fix: string): never {
    throw new Refusal(field, rule, fix);
  }

  /** Runs `derive`; a refusal becomes one error on the user's field, and the result undefined. */
  run<T>(problems: Problems, derive: () => T): T | undefined {
    try {
      return derive();
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      const field = e.field ?? this.largestSize();
      const value = this.settings[field];
      problems.error(this.key(field), typeof value === "bigint" ? formatMemorySize(value) : value, e.rule, e.fix);
      return undefined;
    }
  }

  private largestSize(): string {
    let largest: [string, bigint] = ["process", -1n];
    for (const [field, value] of Object.entries(this.settings)) {
      if (typeof value === "bigint" && value > largest[1]) largest = [field, value];
    }
    return largest[0];
  }
}

// ---------------------------------------------------------------------------------------------
// MemorySize arithmetic
// ---------------------------------------------------------------------------------------------

function overflow(exact: bigint): Refusal {
  return new Refusal(
    undefined,
    `makes Flink's memory arithmetic reach ${exact} bytes, beyond the 64-bit limit ${MAX_MEMORY_SIZE} bytes ("ArithmeticException: long overflow"); ${REFUSED}`,
    "use memory sizes a machine can have",
  );
}

/** MemorySize.add uses Math.addExact: a sum beyond Long.MAX_VALUE throws. */
function add(...parts: bigint[]): bigint {
  const sum = parts.reduce((a, b) => a + b, 0n);
  if (sum > MAX_MEMORY_SIZE) throw overflow(sum);
  return sum;
}

/**
 * MemorySize.multiply: BigDecimal.valueOf(bytes) × BigDecimal.valueOf(multiplier), truncated toward
 * zero by longValue(); an exact product above Long.MAX_VALUE throws. BigDecimal.valueOf(double)
 * takes the digits of Double.toString, the shortest decimal that reads back as the double, which
 * is also what JavaScript's String(number) gives (in a different format, e.g. "1e-7"). JDKs before
 * 19 occasionally print a longer decimal; that can only matter when a product lies within about
 * 1e-16 of a whole byte.
 */
function multiply(bytes: bigint, multiplier: number): bigint {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(multiplier));
  if (!match) throw new Error(`not a finite non-negative multiplier: ${multiplier}`);
  const decimals = match[2] ?? "";
  const exponent = Number(match[3] ?? 0) - decimals.length;
  const scaled = bytes * BigInt(match[1] + decimals);
  const scale = 10n ** BigInt(Math.abs(exponent));
  const product = exponent >= 0 ? scaled * scale : scaled / scale;
  const truncated = exponent < 0 && scaled % scale !== 0n;
  if (product > MAX_MEMORY_SIZE || (product === MAX_MEMORY_SIZE && truncated)) throw overflow(product);
  return product;
}

// ---------------------------------------------------------------------------------------------
// RangeFraction
// ---------------------------------------------------------------------------------------------

interface RangeSpec<Field extends string> {
  /** What the range is of, as the rule says it: "network memory". */
  label: string;
  fraction: Field;
  /** Absent for managed memory, whose range is [0, MemorySize.MAX_VALUE]. */
  min?: Field;
  max?: Field;
}

interface RangeFraction {
  min: bigint;
  max: bigint;
  /** (double)(float) of what the user wrote: Flink reads fractions with config.getFloat. */
  fraction: number;
}

const NETWORK: Required<RangeSpec<TmField>> = { label: "network memory", fraction: "networkFraction", min: "networkMin", max: "networkMax" };
const MANAGED: RangeSpec<TmField> = { label: "managed memory", fraction: "managedFraction" };
const OVERHEAD: Required<RangeSpec<JvmField>> = { label: "JVM overhead", fraction: "jvmOverheadFraction", min: "jvmOverheadMin", max: "jvmOverheadMax" };

/** ProcessMemoryUtils.getRangeFraction: requires min <= max, then 0 <= fraction < 1. */
function rangeFraction<Field extends string>(d: Derivation<Field>, spec: RangeSpec<Field>): RangeFraction {
  const min = spec.min ? d.size(spec.min) : 0n;
  const max = spec.max ? d.size(spec.max) : MAX_MEMORY_SIZE;
  const inconsistent = `"Inconsistently configured" ${spec.label} fraction, min and max; ${REFUSED}`;
  if (spec.min && spec.max && min > max) {
    if (d.isSet(spec.min)) {
      d.refuse(spec.min, `is ${show(min)}, above ${d.key(spec.max)} ${show(max)}: ${inconsistent}`, `make ${d.key(spec.min)} at most ${d.key(spec.max)}`);
    }
    d.refuse(spec.max, `is ${show(max)}, below ${d.key(spec.min)} ${show(min)}: ${inconsistent}`, `make ${d.key(spec.max)} at least ${d.key(spec.min)}`);
  }
  const written = d.fraction(spec.fraction);
  const fraction = Math.fround(written);
  if (!(fraction >= 0 && fraction < 1)) {
    d.refuse(
      spec.fraction,
      `must be at least 0 and below 1, but is ${written} (read by Flink as the 32-bit float ${fraction}): ${inconsistent}`,
      `use a fraction in [0, 1), e.g. Flink's default ${d.defaultOf(spec.fraction)}`,
    );
  }
  return { min, max, fraction };
}

function capToMinMax(size: bigint, range: RangeFraction): bigint {
  return size > range.max ? range.max : size < range.min ? range.min : size;
}

/** ProcessMemoryUtils.deriveWithFraction: base × fraction, capped to the range (Flink only logs the cap). */
function deriveWithFraction(base: bigint, range: RangeFraction): bigint {
  return capToMinMax(multiply(base, range.fraction), range);
}

/** ProcessMemoryUtils.deriveWithInverseFraction: x with x / (base + x) ≈ fraction; the ratio is computed in double, as in Java. */
function deriveWithInverseFraction(base: bigint, range: RangeFraction): bigint {
  return capToMinMax(multiply(base, range.fraction / (1 - range.fraction)), range);
}

/** A size Flink derives as "the rest" must lie in its configured range, or Flink refuses. */
function requireInRange<Field extends string>(
  d: Derivation<Field>,
  source: Field,
  spec: Required<RangeSpec<Field>>,
  range: RangeFraction,
  derived: bigint,
  fix: string,
): void {
  if (derived < range.min) {
    d.refuse(source, `leaves ${show(derived)} of ${spec.label}, below ${d.key(spec.min)} ${show(range.min)}; ${REFUSED}`, fix);
  }
  if (derived > range.max) {
    d.refuse(source, `leaves ${show(derived)} of ${spec.label}, above ${d.key(spec.max)} ${show(range.max)}; ${REFUSED}`, fix);
  }
}

// ---------------------------------------------------------------------------------------------
// Process level (ProcessMemoryUtils), shared by TaskManager and JobManager
// ---------------------------------------------------------------------------------------------

interface JvmMemory {
  jvmMetaspace: bigint;
  jvmOverhead: bigint;
  totalProcess: bigint;
}

interface ProcessMemory<Parts> extends JvmMemory {
  totalFlink: bigint;
  parts: Parts;
}

/** "flink" when Total Flink memory was configured, "process" when it was derived from the process size. */
type TotalSource = "flink" | "process";

/** How a process splits Total Flink memory into its own components. */
interface FlinkMemorySplit<Field extends string, Parts> {
  /** Options that, all set, take precedence over flink and process sizes. */
  fineGrained: readonly Field[];
  fromFineGrained(): { totalFlink: bigint; parts: Parts };
  fromTotalFlink(totalFlink: bigint, source: TotalSource): Parts;
}

/** ProcessMemoryUtils.memoryProcessSpecFromConfig: fine-grained options, else flink size, else process size. */
function deriveProcess<Field extends string, Parts>(d: Derivation<Field | JvmField>, split: FlinkMemorySplit<Field, Parts>): ProcessMemory<Parts> {
  if (split.fineGrained.every((field) => d.isSet(field))) {
    const { totalFlink, parts } = split.fromFineGrained();
    return { totalFlink, parts, ...jvmFromTotalFlink(d, totalFlink) };
  }
  if (d.isSet("flink")) {
    const totalFlink = d.size("flink");
    const parts = split.fromTotalFlink(totalFlink, "flink");
    return { totalFlink, parts, ...jvmFromTotalFlink(d, totalFlink) };
  }
  if (d.isSet("process")) {
    const jvm = jvmFromProcess(d, d.size("process"));
    const totalFlink = jvm.totalProcess - jvm.jvmMetaspace - jvm.jvmOverhead;
    return { totalFlink, parts: split.fromTotalFlink(totalFlink, "process"), ...jvm };
  }
  const fineGrained = split.fineGrained.map((f) => d.key(f)).join(" and ");
  return d.refuse(
    "process",
    `is not set: Either required fine-grained memory (${fineGrained}), or Total Flink Memory size (${d.key("flink")}), or Total Process Memory size (${d.key("process")}) need to be configured explicitly; ${REFUSED}`,
    `set ${d.key("process")}, e.g. "${d.property.startsWith("jobManager") ? "1600m" : "1728m"}" as in Flink's default config.yaml`,
  );
}

/** deriveJvmMetaspaceAndOverheadWithTotalProcessMemory: overhead is a capped fraction of the process size. */
function jvmFromProcess(d: Derivation<JvmField>, process: bigint): JvmMemory {
  const metaspace = d.size("jvmMetaspace");
  const overhead = deriveWithFraction(process, rangeFraction(d, OVERHEAD));
  const jvm = add(metaspace, overhead);
  if (jvm > process) {
    d.refuse(
      "process",
      `is ${show(process)}, less than JVM metaspace ${show(metaspace)} plus JVM overhead ${show(overhead)} (${show(jvm)}); ${REFUSED}`,
      `raise ${d.key("process")} well above ${show(jvm)}, or lower ${d.key("jvmMetaspace")} / ${d.key("jvmOverheadMin")}`,
    );
  }
  return { jvmMetaspace: metaspace, jvmOverhead: overhead, totalProcess: process };
}

/**
 * deriveJvmMetaspaceAndOverheadFromTotalFlinkMemory: with a process size, overhead is what is left
 * and must fit its range; without, overhead is the inverse fraction of Total Flink + metaspace.
 */
function jvmFromTotalFlink(d: Derivation<JvmField>, totalFlink: bigint): JvmMemory {
  const metaspace = d.size("jvmMetaspace");
  const flinkAndMetaspace = add(totalFlink, metaspace);
  if (!d.isSet("process")) {
    const overhead = deriveWithInverseFraction(flinkAndMetaspace, rangeFraction(d, OVERHEAD));
    return { jvmMetaspace: metaspace, jvmOverhead: overhead, totalProcess: add(flinkAndMetaspace, overhead) };
  }
  const process = d.size("process");
  const processRange = (min: bigint, max: bigint): string =>
    `set ${d.key("process")} to between ${show(flinkAndMetaspace + min)} and ${show(flinkAndMetaspace + max)} (Total Flink + metaspace + JVM overhead), or leave it unset so Flink derives it`;
  if (process < flinkAndMetaspace) {
    d.refuse(
      "process",
      `is ${show(process)}, less than Total Flink memory ${show(totalFlink)} plus JVM metaspace ${show(metaspace)} (${show(flinkAndMetaspace)}); ${REFUSED}`,
      processRange(d.size("jvmOverheadMin"), d.size("jvmOverheadMax")),
    );
  }
  const overhead = process - flinkAndMetaspace;
  const range = rangeFraction(d, OVERHEAD);
  requireInRange(d, "process", OVERHEAD, range, overhead, processRange(range.min, range.max));
  return { jvmMetaspace: metaspace, jvmOverhead: overhead, totalProcess: process };
}

/** Flink's "Sum of configured ... exceed configured Total Flink Memory" refusal. */
function refuseSumAboveTotal<Field extends string>(
  d: Derivation<Field>,
  source: Field & TotalSource,
  totalFlink: bigint,
  components: ReadonlyArray<[string, bigint]>,
): never {
  const sum = components.reduce((a, [, bytes]) => a + bytes, 0n);
  const names = components.map(([name, bytes]) => `${name} ${formatMemorySize(bytes)}`);
  const listed = `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  const total = source === "flink" ? `is ${show(totalFlink)}` : `leaves ${show(totalFlink)} of Total Flink memory after JVM metaspace and overhead`;
  return d.refuse(
    source,
    `${total}, less than the ${show(sum)} that ${listed} add up to; ${REFUSED}`,
    `lower those components by ${show(sum - totalFlink)} in total, or raise ${d.key(source)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// TaskManager (TaskExecutorFlinkMemoryUtils)
// ---------------------------------------------------------------------------------------------

type TmParts = Pick<TaskManagerMemory, "frameworkHeap" | "taskHeap" | "frameworkOffHeap" | "taskOffHeap" | "managed" | "network">;

/** deriveFromRequiredFineGrainedOptions: task heap and managed memory are both set. */
function tmFromFineGrained(d: Derivation<TmField>): { totalFlink: bigint; parts: TmParts } {
  if (d.isSet("flink")) {
    // Network is the rest of the configured total: the same steps and checks as the total-Flink path.
    const totalFlink = d.size("flink");
    return { totalFlink, parts: tmFromTotalFlink(d, totalFlink, "flink") };
  }
  const frameworkHeap = d.size("frameworkHeap");
  const frameworkOffHeap = d.size("frameworkOffHeap");
  const taskHeap = d.size("taskHeap");
  const taskOffHeap = d.size("taskOffHeap");
  const managed = d.size("managed");
  const fixed = add(frameworkHeap, frameworkOffHeap, taskHeap, taskOffHeap, managed);
  const network = deriveWithInverseFraction(fixed, rangeFraction(d, NETWORK));
  return { totalFlink: add(fixed, network), parts: { frameworkHeap, taskHeap, frameworkOffHeap, taskOffHeap, managed, network } };
}

/** deriveFromTotalFlinkMemory: with task heap set network is the rest, else task heap is the rest. */
function tmFromTotalFlink(d: Derivation<TmField>, totalFlink: bigint, source: TotalSource): TmParts {
  const frameworkHeap = d.size("frameworkHeap");
  const frameworkOffHeap = d.size("frameworkOffHeap");
  const taskOffHeap = d.size("taskOffHeap");
  // Managed memory's range is [0, MAX], so only its fraction can be refused, and only when it is read.
  const managed = d.isSet("managed") ? d.size("managed") : deriveWithFraction(totalFlink, rangeFraction(d, MANAGED));
  if (d.isSet("taskHeap")) {
    const taskHeap = d.size("taskHeap");
    const fixed = add(frameworkHeap, frameworkOffHeap, taskHeap, taskOffHeap, managed);
    if (fixed > totalFlink) {
      refuseSumAboveTotal(d, source, totalFlink, [
        ["framework heap", frameworkHeap],
        ["framework off-heap", frameworkOffHeap],
        ["task heap", taskHeap],
        ["task off-heap", taskOffHeap],
        ["managed memory", managed],
      ]);
    }
    const network = totalFlink - fixed;
    const range = rangeFraction(d, NETWORK);
    const fix =
      network < range.min
        ? `lower ${d.key("taskHeap")} or ${d.key("managed")} by ${show(range.min - network)} (or raise ${d.key(source)}), or lower ${d.key("networkMin")}`
        : `raise ${d.key("taskHeap")} or ${d.key("managed")} by ${show(network - range.max)} (or lower ${d.key(source)}), or raise ${d.key("networkMax")}`;
    requireInRange(d, source, NETWORK, range, network, fix);
    return { frameworkHeap, taskHeap, frameworkOffHeap, taskOffHeap, managed, network };
  }
  const network = deriveWithFraction(totalFlink, rangeFraction(d, NETWORK));
  const rest = add(frameworkHeap, frameworkOffHeap, taskOffHeap, managed, network);
  if (rest > totalFlink) {
    refuseSumAboveTotal(d, source, totalFlink, [
      ["framework heap", frameworkHeap],
      ["framework off-heap", frameworkOffHeap],
      ["task off-heap", taskOffHeap],
      ["managed memory", managed],
      ["network memory", network],
    ]);
  }
  return { frameworkHeap, taskHeap: totalFlink - rest, frameworkOffHeap, taskOffHeap, managed, network };
}

export function deriveTaskManagerMemory(
  input: TaskManagerMemoryInput,
  problems: Problems,
  property = "taskManager.memory",
): TaskManagerMemory | undefined {
  const d = new Derivation<TmField>(property, input, TM_DEFAULTS);
  return d.run(problems, () => {
    const split: FlinkMemorySplit<TmField, TmParts> = {
      fineGrained: ["taskHeap", "managed"],
      fromFineGrained: () => tmFromFineGrained(d),
      fromTotalFlink: (totalFlink, source) => tmFromTotalFlink(d, totalFlink, source),
    };
    const m = deriveProcess<TmField, TmParts>(d, split);
    return {
      totalProcess: m.totalProcess,
      totalFlink: m.totalFlink,
      frameworkHeap: m.parts.frameworkHeap,
      taskHeap: m.parts.taskHeap,
      frameworkOffHeap: m.parts.frameworkOffHeap,
      taskOffHeap: m.parts.taskOffHeap,
      managed: m.parts.managed,
      network: m.parts.network,
      jvmMetaspace: m.jvmMetaspace,
      jvmOverhead: m.jvmOverhead,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// JobManager (JobManagerFlinkMemoryUtils)
// ---------------------------------------------------------------------------------------------

type JmParts = Pick<JobManagerMemory, "jvmHeap" | "offHeap">;

/** deriveFromRequiredFineGrainedOptions: the JVM heap is set. */
function jmFromFineGrained(d: Derivation<JmField>): { totalFlink: bigint; parts: JmParts } {
  const heap = d.size("heap");
  let offHeap = d.size("offHeap");
  if (d.isSet("flink")) {
    const flink = d.size("flink");
    if (d.isSet("offHeap")) {
      const sum = add(heap, offHeap);
      if (sum !== flink) {
        d.refuse(
          "flink",
          `is ${show(flink)}, but ${d.key("heap")} ${show(heap)} plus ${d.key("offHeap")} ${show(offHeap)} add up to ${show(sum)}; ${REFUSED}`,
          `set ${d.key("flink")} to ${show(sum)}, or set only one of ${d.key("heap")} and ${d.key("flink")}`,
        );
      }
    } else {
      if (flink < heap) {
        d.refuse(
          "heap",
          `is ${show(heap)}, more than ${d.key("flink")} ${show(flink)}; ${REFUSED}`,
          `set only one of ${d.key("heap")} and ${d.key("flink")}, or make ${d.key("heap")} at most ${show(flink)}`,
        );
      }
      // Off-heap is what the total leaves; the default 128 mb is ignored (Flink logs this at INFO).
      offHeap = flink - heap;
    }
  }
  return { totalFlink: add(heap, offHeap), parts: { jvmHeap: heap, offHeap } };
}

/** deriveFromTotalFlinkMemory: the heap is what off-heap leaves, and must be more than nothing. */
function jmFromTotalFlink(d: Derivation<JmField>, totalFlink: bigint, source: TotalSource): JmParts {
  const offHeap = d.size("offHeap");
  if (totalFlink <= offHeap) {
    const total = source === "flink" ? `is ${show(totalFlink)}` : `leaves ${show(totalFlink)} of Total Flink memory after JVM metaspace and overhead`;
    d.refuse(
      source,
      `${total}, not more than ${d.key("offHeap")} ${show(offHeap)}, which leaves no JVM heap; ${REFUSED}`,
      `raise ${d.key(source)} or lower ${d.key("offHeap")}, so that at least ${show(MIN_JOBMANAGER_HEAP)} of JVM heap remains`,
    );
  }
  return { jvmHeap: totalFlink - offHeap, offHeap };
}

export function deriveJobManagerMemory(
  input: JobManagerMemoryInput,
  problems: Problems,
  property = "jobManager.memory",
): JobManagerMemory | undefined {
  const d = new Derivation<JmField>(property, input, JM_DEFAULTS);
  const memory = d.run(problems, () => {
    const split: FlinkMemorySplit<JmField, JmParts> = {
      fineGrained: ["heap"],
      fromFineGrained: () => jmFromFineGrained(d),
      fromTotalFlink: (totalFlink, source) => jmFromTotalFlink(d, totalFlink, source),
    };
    const m = deriveProcess<JmField, JmParts>(d, split);
    return {
      totalProcess: m.totalProcess,
      totalFlink: m.totalFlink,
      jvmHeap: m.parts.jvmHeap,
      offHeap: m.parts.offHeap,
      jvmMetaspace: m.jvmMetaspace,
      jvmOverhead: m.jvmOverhead,
    };
  });
  if (memory && memory.jvmHeap < MIN_JOBMANAGER_HEAP) {
    problems.warn(
      "flink:small-jobmanager-heap",
      `${property}: the JobManager JVM heap is ${show(memory.jvmHeap)}, below Flink's recommended minimum ${show(MIN_JOBMANAGER_HEAP)}; Flink starts but only logs a warning, and the JobManager may run out of heap`,
    );
  }
  return memory;
}

// ---------------------------------------------------------------------------------------------
// JVM flags and JSON
// ---------------------------------------------------------------------------------------------

/** ProcessMemoryUtils.generateJvmParametersStr for a TaskManager: managed memory is native and in no flag. */
export function taskManagerJvmArgs(m: TaskManagerMemory): JvmMemoryArgs {
  return {
    heap: m.frameworkHeap + m.taskHeap,
    maxDirect: m.frameworkOffHeap + m.taskOffHeap + m.network,
    maxMetaspace: m.jvmMetaspace,
  };
}

/** The JobManager gets -XX:MaxDirectMemorySize only with jobmanager.memory.enable-jvm-direct-memory-limit. */
export function jobManagerJvmArgs(m: JobManagerMemory, directMemoryLimit: boolean): JvmMemoryArgs {
  return directMemoryLimit
    ? { heap: m.jvmHeap, maxDirect: m.offHeap, maxMetaspace: m.jvmMetaspace }
    : { heap: m.jvmHeap, maxMetaspace: m.jvmMetaspace };
}

/** Numbers (not bigint) for JSON: every field converted with Number(), which is exact below 2^53. */
export function memoryToJson<T extends object>(m: T): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([field, value]) => [field, Number(value)]));
}
