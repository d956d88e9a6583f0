import { App, TerraformStack } from "cdktf";
import { FlinkCluster, FlinkVersion, Logging, MetricReporter, RestartStrategy, StateBackend } from "../../lib";
import { FlinkClusterProps } from "../../lib/flink-cluster";

/**
 * The seed tutorial's production cluster (its section 7), with every invalid or deprecated key of the
 * tutorial replaced by the key Flink reads:
 * - jobmanager.heap.size / off-heap.memory / jvm-metaspace.size -> jobManager.memory.{heap, offHeap, jvmMetaspace}
 * - taskmanager.memory.process.size 8192m (kept), network.memory.* -> taskManager.memory.network{Fraction,Min,Max}
 * - taskmanager.network.buffers.per-channel / per-gate -> dropped: no such key exists in Flink
 * - state.backend -> StateBackend.rocksdb(); state.backend.rocksdb.options.* -> the typed RocksDB options,
 *   and the two compaction sizes through their real keys; level0-*-trigger has no Flink key (it needs a
 *   RocksDBOptionsFactory) and is left out
 * - state.backend.rocksdb.checkpointdir / state.checkpoints.dir / state.savepoints.dir / num-retained ->
 *   checkpointing.{directory, savepointDirectory, retained}
 * - restart-strategy -> RestartStrategy.exponentialDelay()
 * - web.port -> jobManager.restPort
 * - metrics.reporter.prom.class / host -> MetricReporter.prometheus() (factory.class; the reporter has no host)
 * High availability and TLS come from FlinkHA and the TLS feature, not from raw keys.
 */
export function seedProductionProps(version: FlinkVersion, clusterName: string): FlinkClusterProps {
  return {
    version,
    clusterName,
    jobManager: {
      rpcAddress: "jobmanager.prod.flink.internal",
      rpcPort: 6123,
      restPort: 8081,
      memory: { heap: "4096m", offHeap: "512m", jvmMetaspace: "512m" },
    },
    taskManager: {
      slots: 16,
      rpcPort: 6122,
      dataPort: 6121,
      memory: { process: "8192m", networkFraction: 0.1, networkMin: "64mb", networkMax: "2gb" },
    },
    parallelism: 8,
    checkpointing: {
      interval: "30 s",
      mode: "EXACTLY_ONCE",
      timeout: "10 min",
      maxConcurrent: 1,
      minPause: "5 s",
      tolerableFailedCheckpoints: 3,
      externalizedRetention: "RETAIN_ON_CANCELLATION",
      retained: 5,
      directory: "hdfs:///flink/checkpoints",
      savepointDirectory: "hdfs:///flink/savepoints",
    },
    stateBackend: StateBackend.rocksdb({
      localDir: "/data/flink/rocksdb",
      writeBufferSize: "64mb",
      writeBufferCount: 3,
      blockSize: "4kb",
      blockCacheSize: "256mb",
      bloomFilter: true,
      // The tutorial sizes RocksDB itself; with managed memory Flink would ignore those sizes.
      managedMemory: false,
    }),
    restartStrategy: RestartStrategy.exponentialDelay({
      initialBackoff: "10s",
      maxBackoff: "5min",
      backoffMultiplier: 2.0,
      resetBackoffThreshold: "10min",
      jitterFactor: 0.1,
    }),
    metricReporters: [MetricReporter.prometheus({ port: 9249 })],
    logging: Logging.seedRollingFile(),
    rawConfig: {
      "state.backend.rocksdb.compaction.level.target-file-size-base": "64mb",
      "state.backend.rocksdb.compaction.level.max-size-level-base": "256mb",
      "web.upload.dir": "/tmp/flink-web-upload",
    },
  };
}

/** The seed's production setup rendered for Flink 1.20 (LTS), 2.2 and 2.3, and TaskManager memory in Flink's three styles. */
export function configOnlyExample(app: App): TerraformStack {
  const stack = new TerraformStack(app, "config-only");
  new FlinkCluster(stack, "seed-production-1-20", seedProductionProps(FlinkVersion.V1_20, "seed-production-1-20"));
  new FlinkCluster(stack, "seed-production-2-2", seedProductionProps(FlinkVersion.V2_2, "seed-production-2-2"));
  new FlinkCluster(stack, "seed-production-2-3", seedProductionProps(FlinkVersion.V2_3, "seed-production-2-3"));

  // The same 4 GiB TaskManager budget in each of Flink's three memory styles.
  new FlinkCluster(stack, "memory-process", {
    version: FlinkVersion.V2_2,
    taskManager: { slots: 4, memory: { process: "4g" } },
    jobManager: { memory: { process: "2g" } },
  });
  new FlinkCluster(stack, "memory-flink", {
    version: FlinkVersion.V2_2,
    taskManager: { slots: 4, memory: { flink: "3430m" } },
    jobManager: { memory: { flink: "1536m" } },
  });
  new FlinkCluster(stack, "memory-fine-grained", {
    version: FlinkVersion.V2_2,
    taskManager: { slots: 4, memory: { taskHeap: "1536m", managed: "1280m", networkMin: "256m", networkMax: "256m" } },
    jobManager: { memory: { heap: "1g" } },
  });
  return stack;
}
