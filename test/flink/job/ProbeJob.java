import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/**
 * The real-Flink tests' streaming job: a generated source, keyed state in whatever state backend the
 * cluster configures, a discarding sink. Parallelism, checkpointing and the restart strategy are not
 * set here: they come from the cluster's config.yaml, which is what the tests check.
 */
public final class ProbeJob {
    private ProbeJob() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        GeneratorFunction<Long, Long> identity = index -> index;
        DataGeneratorSource<Long> source = new DataGeneratorSource<>(identity, Long.MAX_VALUE, RateLimiterStrategy.perSecond(200), Types.LONG);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "generated")
                .keyBy(value -> value % 128)
                .process(new CountPerKey())
                .name("count-per-key")
                .sinkTo(new DiscardingSink<>());
        env.execute(args.length > 0 ? args[0] : "cdktf-flink probe job");
    }

    /**
     * Counts the values seen per key in keyed value state, so every checkpoint carries state. The gauge
     * maxCount is the highest count seen: after a restore it continues from the snapshot's counts.
     */
    public static final class CountPerKey extends KeyedProcessFunction<Long, Long, Long> {
        private transient ValueState<Long> count;
        private transient long maxCount;

        @Override
        public void open(OpenContext context) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
            getRuntimeContext().getMetricGroup().gauge("maxCount", (org.apache.flink.metrics.Gauge<Long>) () -> maxCount);
        }

        @Override
        public void processElement(Long value, Context context, Collector<Long> out) throws Exception {
            Long seen = count.value();
            long next = seen == null ? 1 : seen + 1;
            count.update(next);
            maxCount = Math.max(maxCount, next);
            out.collect(next);
        }
    }
}
