import {
  deriveJobManagerMemory,
  deriveTaskManagerMemory,
  jobManagerJvmArgs,
  JobManagerMemory,
  JobManagerMemoryInput,
  memoryToJson,
  taskManagerJvmArgs,
  TaskManagerMemory,
  TaskManagerMemoryInput,
} from "../lib/config/memory";
import { Problems } from "../lib/config/problems";
import { MAX_MEMORY_SIZE } from "../lib/config/units";

/** MiB as bytes. */
const m = (mebibytes: number): bigint => BigInt(mebibytes) << 20n;
const g = (gibibytes: number): bigint => BigInt(gibibytes) << 30n;

// Worked arithmetic below uses Flink's float fractions as doubles:
//   0.1f = 0.10000000149011612, 0.4f = 0.4000000059604645, 0.2f = 0.20000000298023224,
//   inverse of 0.1f = 0.1f / (1 - 0.1f) = 0.11111111295076065; products are truncated toward zero.

function tm(input: TaskManagerMemoryInput) {
  const problems = new Problems();
  return { memory: deriveTaskManagerMemory(input, problems), problems };
}

function jm(input: JobManagerMemoryInput) {
  const problems = new Problems();
  return { memory: deriveJobManagerMemory(input, problems), problems };
}

function tmOk(input: TaskManagerMemoryInput): TaskManagerMemory {
  const { memory, problems } = tm(input);
  expect(problems.errors).toEqual([]);
  return memory!;
}

function jmOk(input: JobManagerMemoryInput): JobManagerMemory {
  const { memory, problems } = jm(input);
  expect(problems.errors).toEqual([]);
  return memory!;
}

/** Exactly one error, on `property`, whose rule contains every fragment; the derivation gives nothing. */
function expectRefused(result: { memory: unknown; problems: Problems }, property: string, ...fragments: string[]): void {
  expect(result.memory).toBeUndefined();
  expect(result.problems.errors).toHaveLength(1);
  const [error] = result.problems.errors;
  expect(error.property).toBe(property);
  for (const fragment of fragments) expect(error.rule).toContain(fragment);
  expect(error.rule).toContain("Flink refuses this at start-up");
  expect(error.fix).toBeTruthy();
}

describe("memory-model.md section 6: TaskManager from process size", () => {
  test.each([
    // [process MiB, overhead, Total Flink, managed, network, task heap, -Xmx, -XX:MaxDirectMemorySize]
    [1728, 201326592n, 1342177280n, 536870920n, 134217730n, 402653174n, 536870902n, 268435458n],
    [4096, 429496736n, 3597035104n, 1438814063n, 359703515n, 1530082070n, 1664299798n, 493921243n],
    [8192, 858993472n, 7462505664n, 2985002310n, 746250577n, 3462817321n, 3597035049n, 880468305n],
  ])("process %i m", (process, jvmOverhead, totalFlink, managed, network, taskHeap, xmx, maxDirect) => {
    const memory = tmOk({ process: m(process) });
    expect(memory).toEqual({
      totalProcess: m(process),
      totalFlink,
      frameworkHeap: 134217728n,
      taskHeap,
      frameworkOffHeap: 134217728n,
      taskOffHeap: 0n,
      managed,
      network,
      jvmMetaspace: 268435456n,
      jvmOverhead,
    });
    expect(taskManagerJvmArgs(memory)).toEqual({ heap: xmx, maxDirect, maxMetaspace: 268435456n });
  });

  test("flink.size=1280m gives exactly the 1728m column", () => {
    expect(tmOk({ flink: m(1280) })).toEqual(tmOk({ process: m(1728) }));
    expect(tmOk({ flink: m(1280) }).totalProcess).toBe(1811939328n);
  });

  test("process 16384m: overhead capped at 1 gb, network uncapped", () => {
    const memory = tmOk({ process: m(16384) });
    expect(memory.jvmOverhead).toBe(1073741824n);
    expect(memory.totalFlink).toBe(15837691904n);
    expect(memory.network).toBe(1583769214n);
    expect(memory.taskHeap).toBe(7650410378n);
  });
});

describe("memory-model.md section 6: JobManager from process size", () => {
  test.each([
    // [process MiB, overhead, Total Flink, JVM heap]
    [1600, 201326592n, 1207959552n, 1073741824n],
    [4096, 429496736n, 3597035104n, 3462817376n],
    [8192, 858993472n, 7462505664n, 7328287936n],
  ])("process %i m", (process, jvmOverhead, totalFlink, jvmHeap) => {
    const memory = jmOk({ process: m(process) });
    expect(memory).toEqual({
      totalProcess: m(process),
      totalFlink,
      jvmHeap,
      offHeap: 134217728n,
      jvmMetaspace: 268435456n,
      jvmOverhead,
    });
    expect(jobManagerJvmArgs(memory, false)).toEqual({ heap: jvmHeap, maxMetaspace: 268435456n });
    expect(jobManagerJvmArgs(memory, true)).toEqual({ heap: jvmHeap, maxDirect: 134217728n, maxMetaspace: 268435456n });
  });
});

describe("memory-model.md section 7: Flink's TaskExecutorProcessUtilsTest", () => {
  const fineGrained = { flink: m(1280), taskHeap: m(100), managed: m(200) };

  test("derived network below its min fails", () => {
    // 1280 - (128 + 128 + 100 + 0 + 200) = 724 mb < 900 mb
    expectRefused(
      tm({ ...fineGrained, networkMin: m(900), networkMax: m(1000) }),
      "taskManager.memory.flink",
      "leaves 724 mb (759169024 bytes) of network memory, below taskManager.memory.networkMin 900 mb (943718400 bytes); Flink refuses this at start-up",
    );
  });

  test("derived network above its max fails", () => {
    expectRefused(
      tm({ ...fineGrained, networkMin: m(100), networkMax: m(150) }),
      "taskManager.memory.flink",
      "leaves 724 mb (759169024 bytes) of network memory, above taskManager.memory.networkMax 150 mb (157286400 bytes)",
    );
  });

  test("Flink internal memory not adding up fails", () => {
    // 100 + 128 (default framework off-heap) + 100 + 100 + 100 = 528 mb > 499 mb
    const result = tm({
      flink: m(499),
      frameworkHeap: m(100),
      taskHeap: m(100),
      taskOffHeap: m(100),
      networkMin: m(100),
      networkMax: m(100),
      managed: m(100),
    });
    expectRefused(
      result,
      "taskManager.memory.flink",
      "is 499 mb (523239424 bytes), less than the 528 mb (553648128 bytes)",
      "framework heap 100 mb, framework off-heap 128 mb, task heap 100 mb, task off-heap 100 mb and managed memory 100 mb",
    );
    expect(result.problems.errors[0].value).toBe("499 mb");
  });

  test.each([
    // managed == totalFlink.multiply(0.5f); 0.5 is exact in float and double
    [{ process: m(4096) }, 1798517552n], // 3597035104 × 0.5
    [{ flink: m(1280) }, 671088640n], // 1342177280 × 0.5
  ])("managed fraction 0.5: %p", (input, managed) => {
    expect(tmOk({ ...input, managedFraction: 0.5 }).managed).toBe(managed);
  });

  test("network fraction 0.2 with min 0 and max 1t", () => {
    // 3597035104 × 0.20000000298023224 = 719407031.7… → 719407031
    const memory = tmOk({ process: m(4096), networkFraction: 0.2, networkMin: 0n, networkMax: 1n << 40n });
    expect(memory.network).toBe(719407031n);
  });

  test("process size 2g is the total process size", () => {
    expect(tmOk({ process: g(2) }).totalProcess).toBe(2147483648n);
  });

  test("process size 4096m", () => {
    expect(tmOk({ process: m(4096) }).totalProcess).toBe(4294967296n);
  });
});

describe("memory-model.md section 7: Flink's JobManagerProcessUtilsTest", () => {
  test("heap + explicit off-heap not adding up to flink fails", () => {
    const result = jm({ flink: m(199), heap: m(100), offHeap: m(100) });
    expectRefused(
      result,
      "jobManager.memory.flink",
      "is 199 mb (208666624 bytes), but jobManager.memory.heap 100 mb (104857600 bytes) plus jobManager.memory.offHeap 100 mb (104857600 bytes) add up to 200 mb (209715200 bytes)",
    );
    expect(result.problems.errors[0].value).toBe("199 mb");
  });

  test("heap exceeding flink fails", () => {
    expectRefused(jm({ flink: m(100), heap: m(150) }), "jobManager.memory.heap", "is 150 mb (157286400 bytes), more than jobManager.memory.flink 100 mb (104857600 bytes)");
  });

  test("off-heap derived from heap and flink", () => {
    // flink = 150 + 100 + 128 = 378 mb, off-heap = 378 - 150 = 228 mb;
    // overhead = (378 + 256) mb × 0.11111111295076065 = 73866355 < 192 mb → 192 mb; process = 378 + 256 + 192 = 826 mb
    expect(jmOk({ heap: m(150), flink: m(378) })).toEqual({
      totalProcess: m(826),
      totalFlink: m(378),
      jvmHeap: m(150),
      offHeap: m(228),
      jvmMetaspace: m(256),
      jvmOverhead: m(192),
    });
  });

  test("fine-grained heap, off-heap and flink", () => {
    // overhead = (200 + 256) mb × 0.111… = 53127851 → 192 mb; process = 200 + 256 + 192 = 648 mb
    const memory = jmOk({ heap: m(150), offHeap: m(50), flink: m(200) });
    expect(memory.offHeap).toBe(m(50));
    expect(memory.totalProcess).toBe(m(648));
  });
});

describe("TaskManager: own vectors", () => {
  test("fine-grained task heap + managed without flink size", () => {
    // fixed = 128 + 128 + 100 + 0 + 200 = 556 mb = 583008256
    // network = 583008256 × 0.11111111295076065 = 64778696 < 64 mb → 64 mb; Total Flink = 620 mb
    // overhead = (620 + 256) mb × 0.111… = 102061399 < 192 mb → 192 mb; process = 620 + 256 + 192 = 1068 mb
    const memory = tmOk({ taskHeap: m(100), managed: m(200) });
    expect(memory).toEqual({
      totalProcess: m(1068),
      totalFlink: m(620),
      frameworkHeap: m(128),
      taskHeap: m(100),
      frameworkOffHeap: m(128),
      taskOffHeap: 0n,
      managed: m(200),
      network: m(64),
      jvmMetaspace: m(256),
      jvmOverhead: m(192),
    });
    // -Xmx = 128 + 100; direct = 128 + 0 + 64
    expect(taskManagerJvmArgs(memory)).toEqual({ heap: m(228), maxDirect: m(192), maxMetaspace: m(256) });
  });

  test("fine-grained task heap + managed with flink size", () => {
    // network = 1280 - 556 = 724 mb; overhead = 1536 mb × 0.111… = 178956973 → 192 mb; process = 1728 mb
    const memory = tmOk({ taskHeap: m(100), managed: m(200), flink: m(1280) });
    expect(memory.network).toBe(m(724));
    expect(memory.totalProcess).toBe(m(1728));
  });

  test("fine-grained with flink and a consistent process size", () => {
    // overhead = 1728 - (1280 + 256) = 192 mb, inside [192 mb, 1 gb]
    expect(tmOk({ taskHeap: m(100), managed: m(200), flink: m(1280), process: m(1728) }).jvmOverhead).toBe(m(192));
  });

  test("inverse-fraction network capped at a configured max", () => {
    // fixed = 128 + 128 + 10240 + 10240 mb = 21743271936; × 0.111… = 2415919144 > 1 gb → 1 gb
    // Total Flink = 21743271936 + 1073741824 = 22817013760; overhead (F + 256 mb) × 0.111… = 2565049955 → 1 gb
    const memory = tmOk({ taskHeap: g(10), managed: g(10), networkMax: g(1) });
    expect(memory.network).toBe(g(1));
    expect(memory.totalFlink).toBe(22817013760n);
    expect(memory.jvmOverhead).toBe(g(1));
    expect(memory.totalProcess).toBe(22817013760n + m(256) + g(1));
  });

  test("flink size with task heap: network is the rest", () => {
    // managed = 1342177280 × 0.4f = 536870920; fixed = 128 + 128 + 400 mb + 536870920 = 1224736776
    // network = 1342177280 - 1224736776 = 117440504, inside [64 mb, ∞)
    const memory = tmOk({ flink: m(1280), taskHeap: m(400) });
    expect(memory.managed).toBe(536870920n);
    expect(memory.network).toBe(117440504n);
    expect(memory.taskHeap).toBe(m(400));
  });

  test("process size with task heap: network is the rest of the derived Total Flink", () => {
    // F = 1280 mb; network = 1342177280 - (128 + 128 + 384 mb + 536870920) = 134217720
    expect(tmOk({ process: m(1728), taskHeap: m(384) }).network).toBe(134217720n);
  });

  test("managed size given with process size", () => {
    // F = 3597035104, network = F × 0.1f = 359703515
    // task heap = 3597035104 - (128 + 128 + 1024 mb + 359703515) = 1895154309
    const memory = tmOk({ process: m(4096), managed: g(1) });
    expect(memory.managed).toBe(g(1));
    expect(memory.network).toBe(359703515n);
    expect(memory.taskHeap).toBe(1895154309n);
  });

  test("managed size bigger than what the process size leaves", () => {
    // F = 3597035104; 268435456 (128 + 128 mb) + 0 + 4294967296 (4096 mb) + 359703515 = 4923106267 > F
    expectRefused(
      tm({ process: m(4096), managed: g(4) }),
      "taskManager.memory.process",
      "leaves 3.35 gb (3597035104 bytes) of Total Flink memory after JVM metaspace and overhead, less than the 4.585 gb (4923106267 bytes)",
    );
  });

  test("network capped at a configured max", () => {
    // network = min(359703515, 256 mb); task heap = 3597035104 - (256 mb + 1438814063 + 256 mb) = 1621350129
    const memory = tmOk({ process: m(4096), networkMax: m(256) });
    expect(memory.network).toBe(m(256));
    expect(memory.taskHeap).toBe(1621350129n);
  });

  test("explicit JVM overhead fraction", () => {
    // overhead = 4294967296 × 0.20000000298023224 = 858993472.0… → 858993472 (< 1 gb)
    // F = 4294967296 - 256 mb - 858993472 = 3167538368; managed = F × 0.4f = 1267015366; network = F × 0.1f = 316753841
    // task heap = 3167538368 - (256 mb + 1267015366 + 316753841) = 1315333705
    const memory = tmOk({ process: m(4096), jvmOverheadFraction: 0.2 });
    expect(memory.jvmOverhead).toBe(858993472n);
    expect(memory.totalFlink).toBe(3167538368n);
    expect(memory.managed).toBe(1267015366n);
    expect(memory.network).toBe(316753841n);
    expect(memory.taskHeap).toBe(1315333705n);
  });

  test("a fraction that prints in exponent notation", () => {
    // (float)1e-7 = 1.0000000116860974e-7; 3597035104 × that = 359.7… → 359
    expect(tmOk({ process: m(4096), managedFraction: 1e-7 }).managed).toBe(359n);
  });

  test.each([
    ["networkFraction", { networkFraction: 1.0 }, "but is 1 (read by Flink as the 32-bit float 1)"],
    ["networkFraction", { networkFraction: -0.1 }, "but is -0.1"],
    // 0.99999999 is nearer to 1 than to the largest float below 1 (0.99999994)
    ["networkFraction", { networkFraction: 0.99999999 }, "read by Flink as the 32-bit float 1)"],
    ["managedFraction", { managedFraction: 1.0 }, "must be at least 0 and below 1"],
    ["managedFraction", { managedFraction: -0.1 }, "must be at least 0 and below 1"],
    ["jvmOverheadFraction", { jvmOverheadFraction: 1.0 }, "must be at least 0 and below 1"],
    ["jvmOverheadFraction", { jvmOverheadFraction: -0.1 }, "must be at least 0 and below 1"],
  ])("fraction %s %p is refused", (field, input, fragment) => {
    const result = tm({ process: m(1728), ...input });
    expectRefused(result, `taskManager.memory.${field}`, fragment, "Inconsistently configured");
    expect(result.problems.errors[0].value).toBe(Object.values(input)[0]);
  });

  test("managed fraction is not read (so not refused) when managed size is set", () => {
    expect(tmOk({ process: m(4096), managed: g(1), managedFraction: 1.0 }).managed).toBe(g(1));
  });

  test.each([
    ["networkMin", { networkMin: g(2), networkMax: g(1) }, "is 2 gb (2147483648 bytes), above taskManager.memory.networkMax 1 gb (1073741824 bytes)"],
    ["networkMax", { networkMax: m(32) }, "is 32 mb (33554432 bytes), below taskManager.memory.networkMin 64 mb (67108864 bytes)"],
    ["jvmOverheadMin", { jvmOverheadMin: g(2) }, "is 2 gb (2147483648 bytes), above taskManager.memory.jvmOverheadMax 1 gb (1073741824 bytes)"],
    ["jvmOverheadMax", { jvmOverheadMax: m(100) }, "is 100 mb (104857600 bytes), below taskManager.memory.jvmOverheadMin 192 mb (201326592 bytes)"],
  ])("min > max: %s", (field, input, fragment) => {
    expectRefused(tm({ process: m(4096), ...input }), `taskManager.memory.${field}`, fragment, "Inconsistently configured");
  });

  test("process too small for metaspace + overhead", () => {
    // overhead = 400 mb × 0.1f = 41943040 → 192 mb; 256 + 192 = 448 mb > 400 mb
    expectRefused(
      tm({ process: m(400) }),
      "taskManager.memory.process",
      "is 400 mb (419430400 bytes), less than JVM metaspace 256 mb (268435456 bytes) plus JVM overhead 192 mb (201326592 bytes) (448 mb (469762048 bytes))",
    );
  });

  test("process leaving no Total Flink memory", () => {
    // F = 448 - 256 - 192 = 0; managed 0, network 0 → 64 mb; 128 + 128 + 0 + 0 + 64 = 320 mb > 0
    expectRefused(tm({ process: m(448) }), "taskManager.memory.process", "leaves 0 bytes of Total Flink memory", "320 mb (335544320 bytes)");
  });

  test("process size below Total Flink + metaspace", () => {
    // 1500 mb < 1280 + 256 = 1536 mb
    expectRefused(
      tm({ flink: m(1280), process: m(1500) }),
      "taskManager.memory.process",
      "is 1500 mb (1572864000 bytes), less than Total Flink memory 1280 mb (1342177280 bytes) plus JVM metaspace 256 mb (268435456 bytes)",
    );
  });

  test("process size leaving overhead outside its range", () => {
    // overhead = 1700 - (1280 + 256) = 164 mb < 192 mb
    expectRefused(
      tm({ taskHeap: m(100), managed: m(200), flink: m(1280), process: m(1700) }),
      "taskManager.memory.process",
      "leaves 164 mb (171966464 bytes) of JVM overhead, below taskManager.memory.jvmOverheadMin 192 mb (201326592 bytes)",
    );
  });

  test("nothing configured", () => {
    const result = tm({});
    expectRefused(
      result,
      "taskManager.memory.process",
      "Either required fine-grained memory (taskManager.memory.taskHeap and taskManager.memory.managed), or Total Flink Memory size (taskManager.memory.flink), or Total Process Memory size (taskManager.memory.process) need to be configured explicitly",
    );
    expect(result.problems.errors[0].value).toBeUndefined();
  });

  test("64-bit overflow is refused, as Flink's Math.addExact does", () => {
    // Total Flink + 256 mb metaspace exceeds Long.MAX_VALUE
    expectRefused(tm({ flink: MAX_MEMORY_SIZE - 100n }), "taskManager.memory.flink", "long overflow");
  });

  test("a custom property prefix", () => {
    const problems = new Problems();
    expect(deriveTaskManagerMemory({}, problems, "clusters[0].taskManager.memory")).toBeUndefined();
    expect(problems.errors[0].property).toBe("clusters[0].taskManager.memory.process");
  });
});

describe("JobManager: own vectors", () => {
  test("flink size 1152m gives the 1600m column", () => {
    // overhead = (1152 + 256) mb × 0.111… = 164043892 → 192 mb; process = 1600 mb
    expect(jmOk({ flink: m(1152) })).toEqual(jmOk({ process: m(1600) }));
  });

  test("small heap only warns", () => {
    // off-heap 128 mb, F = 228 mb; overhead (228 + 256) mb × 0.111… = 56390088 → 192 mb; process = 676 mb
    const { memory, problems } = jm({ heap: m(100) });
    expect(problems.errors).toEqual([]);
    expect(memory).toEqual({ totalProcess: m(676), totalFlink: m(228), jvmHeap: m(100), offHeap: m(128), jvmMetaspace: m(256), jvmOverhead: m(192) });
    expect(problems.warnings.map((w) => w.id)).toEqual(["flink:small-jobmanager-heap"]);
    expect(jmOk({ heap: m(128) }).jvmHeap).toBe(m(128));
  });

  test("explicit JVM overhead fraction", () => {
    // overhead = 4294967296 × 0.2f = 858993472; heap = 4096 mb - 256 mb - 858993472 - 128 mb = 3033320640
    expect(jmOk({ process: m(4096), jvmOverheadFraction: 0.2 }).jvmHeap).toBe(3033320640n);
  });

  test.each([
    [{ flink: m(100) }, "jobManager.memory.flink", "is 100 mb (104857600 bytes), not more than jobManager.memory.offHeap 128 mb (134217728 bytes)"],
    [{ flink: m(128) }, "jobManager.memory.flink", "is 128 mb (134217728 bytes), not more than jobManager.memory.offHeap"],
    // overhead 192 mb + metaspace 256 mb = 448 mb leaves 0 bytes of Total Flink memory
    [{ process: m(448) }, "jobManager.memory.process", "leaves 0 bytes of Total Flink memory after JVM metaspace and overhead, not more than"],
    [{ process: m(400) }, "jobManager.memory.process", "less than JVM metaspace 256 mb (268435456 bytes) plus JVM overhead 192 mb (201326592 bytes)"],
    [{ process: m(1600), jvmOverheadFraction: 1.0 }, "jobManager.memory.jvmOverheadFraction", "must be at least 0 and below 1"],
    [{ process: m(1600), jvmOverheadMax: m(100) }, "jobManager.memory.jvmOverheadMax", "below jobManager.memory.jvmOverheadMin"],
    [{ flink: m(1280), process: m(1500) }, "jobManager.memory.process", "less than Total Flink memory 1280 mb (1342177280 bytes)"],
    [{}, "jobManager.memory.process", "Either required fine-grained memory (jobManager.memory.heap)"],
  ])("refuses %p", (input, property, fragment) => {
    expectRefused(jm(input), property, fragment);
  });
});

test("memoryToJson gives plain numbers in the same field order", () => {
  const json = memoryToJson(jmOk({ process: m(1600) }));
  expect(json).toEqual({
    totalProcess: 1677721600,
    totalFlink: 1207959552,
    jvmHeap: 1073741824,
    offHeap: 134217728,
    jvmMetaspace: 268435456,
    jvmOverhead: 201326592,
  });
  expect(Object.keys(json)).toEqual(["totalProcess", "totalFlink", "jvmHeap", "offHeap", "jvmMetaspace", "jvmOverhead"]);
});
