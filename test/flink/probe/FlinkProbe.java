import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.util.bash.BashJavaUtils;

/**
 * Asks Flink's own classes about configuration, for the real-Flink tests. Compiled by
 * scripts/flink-jars.js against each Flink version's jars; uses only API that 1.20 and 2.x share.
 *
 *   FlinkProbe report [DIR ...]
 *
 * prints one JSON object: "options", every ConfigOption declared in the Flink jars on the classpath
 * (key, type, default, deprecated and fallback keys); and "configs", for each DIR, its config file
 * loaded by GlobalConfiguration with every key read through its ConfigOption (a value Flink cannot
 * parse is an error), and what BashJavaUtils computes for the TaskManager and JobManager processes.
 *
 * Values are normalised so that the tests can compare them: durations in milliseconds, sizes in bytes
 * (as strings), enums by name, lists as arrays, maps as objects.
 */
public final class FlinkProbe {
    private FlinkProbe() {}

    /** One declaration of an option: a static ConfigOption field of a Flink class. */
    private static final class Declared {
        final ConfigOption<?> option;
        final String owner;

        Declared(ConfigOption<?> option, String owner) {
            this.option = option;
            this.owner = owner;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 1 && args[0].equals("cli")) {
            cli(args[1], java.util.Arrays.copyOfRange(args, 2, args.length));
            return;
        }
        if (args.length == 0 || !args[0].equals("report")) throw new IllegalArgumentException("usage: FlinkProbe report [DIR ...] | FlinkProbe cli run|run-application|list [ARG ...]");
        Map<String, List<Declared>> options = scanOptions();
        StringBuilder out = new StringBuilder("{\"options\":");
        writeOptions(options, out);
        out.append(",\"configs\":[");
        for (int i = 1; i < args.length; i++) {
            if (i > 1) out.append(',');
            out.append("\n{\"dir\":");
            string(args[i], out);
            writeRead(args[i], options, out);
            out.append(",\"taskManager\":");
            writeResourceParams("GET_TM_RESOURCE_PARAMS", args[i], out);
            out.append(",\"jobManager\":");
            writeResourceParams("GET_JM_RESOURCE_PARAMS", args[i], out);
            out.append('}');
        }
        out.append("]}");
        System.out.println(out);
    }

    /**
     * Parses a `flink <action> ARG ...` command line as Flink's CliFrontend does: the action's options
     * merged with the generic CLI's (-t, -D), then ProgramOptions for run actions. Prints the target,
     * the -D properties, and the program's jar, entry class, arguments and restore settings; a line
     * Flink refuses prints "error".
     */
    static void cli(String action, String[] args) {
        StringBuilder out = new StringBuilder("{");
        try {
            org.apache.flink.client.cli.GenericCLI generic = new org.apache.flink.client.cli.GenericCLI(new Configuration(), System.getProperty("java.io.tmpdir"));
            boolean run = action.equals("run") || action.equals("run-application");
            if (!run && !action.equals("list")) throw new IllegalArgumentException("unknown action " + action);
            // The list options are package-private in CliFrontendParser: read them as CliFrontend does.
            Method listOptions = org.apache.flink.client.cli.CliFrontendParser.class.getDeclaredMethod("getListCommandOptions");
            listOptions.setAccessible(true);
            org.apache.commons.cli.Options options = run ? org.apache.flink.client.cli.CliFrontendParser.getRunCommandOptions() : (org.apache.commons.cli.Options) listOptions.invoke(null);
            generic.addGeneralOptions(options);
            generic.addRunOptions(options);
            org.apache.commons.cli.CommandLine line = org.apache.flink.client.cli.CliFrontendParser.parse(options, args, true);
            Configuration effective = generic.toConfiguration(line);
            out.append("\"config\":{");
            boolean first = true;
            for (Map.Entry<String, String> e : new TreeMap<>(effective.toMap()).entrySet()) {
                if (!first) out.append(',');
                first = false;
                string(e.getKey(), out);
                out.append(':');
                string(e.getValue(), out);
            }
            out.append('}');
            if (run) {
                org.apache.flink.client.cli.ProgramOptions program = org.apache.flink.client.cli.ProgramOptions.create(line);
                program.validate();
                out.append(",\"jar\":");
                string(String.valueOf(program.getJarFilePath()), out);
                out.append(",\"entryClass\":");
                string(String.valueOf(program.getEntryPointClassName()), out);
                out.append(",\"args\":[");
                String[] programArgs = program.getProgramArgs();
                for (int i = 0; i < programArgs.length; i++) {
                    if (i > 0) out.append(',');
                    string(programArgs[i], out);
                }
                out.append("],\"restore\":");
                string(program.getSavepointRestoreSettings().toString(), out);
            }
        } catch (Throwable t) {
            out.setLength(1);
            out.append("\"error\":");
            string(t.toString(), out);
        }
        System.out.println(out.append('}'));
    }

    /**
     * What bin/taskmanager.sh and bin/jobmanager.sh compute before starting a process: Flink's
     * BashJavaUtils, run in this JVM, prints the JVM memory flags and the -D memory components.
     */
    static void writeResourceParams(String command, String dir, StringBuilder out) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, "UTF-8"));
            BashJavaUtils.main(new String[] {command, "--configDir", dir});
            System.setOut(original);
            List<String> results = new ArrayList<>();
            for (String line : captured.toString("UTF-8").split("\n")) {
                if (line.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:")) results.add(line.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()).trim());
            }
            out.append("{\"jvmArgs\":");
            string(results.size() > 0 ? results.get(0) : "", out);
            out.append(",\"dynamicConfigs\":");
            string(results.size() > 1 ? results.get(1) : "", out);
            out.append('}');
        } catch (Throwable t) {
            System.setOut(original);
            out.append("{\"error\":");
            StringBuilder chain = new StringBuilder();
            for (Throwable c = t; c != null; c = c.getCause()) chain.append(chain.length() > 0 ? " | " : "").append(c);
            string(chain.toString(), out);
            out.append('}');
        }
    }

    /** Every static ConfigOption field in the Flink jars of the classpath, by key. */
    static Map<String, List<Declared>> scanOptions() throws Exception {
        Map<String, List<Declared>> byKey = new TreeMap<>();
        ClassLoader loader = FlinkProbe.class.getClassLoader();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = new File(entry).getName();
            if (!name.startsWith("flink-") || name.startsWith("flink-shaded-") || !name.endsWith(".jar")) continue;
            try (JarFile jar = new JarFile(entry)) {
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    JarEntry jarEntry = e.nextElement();
                    String path = jarEntry.getName();
                    if (!path.endsWith(".class") || !path.startsWith("org/apache/flink/") || path.startsWith("org/apache/flink/shaded/")) continue;
                    // Only a class whose constant pool names the type can declare such a field: skip loading the rest.
                    try (InputStream in = jar.getInputStream(jarEntry)) {
                        if (!contains(in.readAllBytes(), OPTION_DESCRIPTOR)) continue;
                    }
                    String className = path.substring(0, path.length() - 6).replace('/', '.');
                    for (Declared d : declaredIn(className, loader)) {
                        byKey.computeIfAbsent(d.option.key(), k -> new ArrayList<>()).add(d);
                    }
                }
            }
        }
        return byKey;
    }

    private static final byte[] OPTION_DESCRIPTOR = "Lorg/apache/flink/configuration/ConfigOption;".getBytes(StandardCharsets.US_ASCII);

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) continue outer;
            }
            return true;
        }
        return false;
    }

    /** The options a class declares; a class that cannot be loaded (a missing optional dependency) has none. */
    static List<Declared> declaredIn(String className, ClassLoader loader) {
        List<Declared> found = new ArrayList<>();
        try {
            Class<?> type = Class.forName(className, false, loader);
            for (Field field : type.getDeclaredFields()) {
                if (!Modifier.isStatic(field.getModifiers()) || !ConfigOption.class.isAssignableFrom(field.getType())) continue;
                field.setAccessible(true);
                Object value = field.get(null);
                if (value instanceof ConfigOption) found.add(new Declared((ConfigOption<?>) value, className + "." + field.getName()));
            }
        } catch (Throwable ignored) {
            // NoClassDefFoundError, ExceptionInInitializerError: not an options holder the cluster can use
        }
        return found;
    }

    static Object invoke(ConfigOption<?> option, String method) throws Exception {
        Method m = ConfigOption.class.getDeclaredMethod(method);
        m.setAccessible(true);
        return m.invoke(option);
    }

    /** Flink's type as its docs name it: String, Integer, Duration, MemorySize, Enum, List<String>, Map, ... */
    static String typeName(ConfigOption<?> option) throws Exception {
        Class<?> clazz = (Class<?>) invoke(option, "getClazz");
        String base = clazz.isEnum() ? "Enum" : Map.class.isAssignableFrom(clazz) ? "Map" : clazz.getSimpleName();
        return (Boolean) invoke(option, "isList") ? "List<" + base + ">" : base;
    }

    static void writeOptions(Map<String, List<Declared>> options, StringBuilder out) throws Exception {
        out.append('[');
        boolean first = true;
        for (Map.Entry<String, List<Declared>> entry : options.entrySet()) {
            for (Declared d : entry.getValue()) {
                if (!first) out.append(',');
                first = false;
                ConfigOption<?> o = d.option;
                out.append("\n{\"key\":");
                string(o.key(), out);
                out.append(",\"type\":");
                string(typeName(o), out);
                Class<?> clazz = (Class<?>) invoke(o, "getClazz");
                if (clazz.isEnum()) {
                    out.append(",\"enum\":[");
                    Object[] constants = clazz.getEnumConstants();
                    for (int i = 0; i < constants.length; i++) {
                        if (i > 0) out.append(',');
                        string(((Enum<?>) constants[i]).name(), out);
                    }
                    out.append(']');
                }
                out.append(",\"default\":");
                value(o.hasDefaultValue() ? o.defaultValue() : null, out);
                out.append(",\"deprecatedKeys\":[");
                keys(o, true, out);
                out.append("],\"fallbackKeys\":[");
                keys(o, false, out);
                out.append("],\"declaredBy\":");
                string(d.owner, out);
                out.append('}');
            }
        }
        out.append("\n]");
    }

    static void keys(ConfigOption<?> option, boolean deprecated, StringBuilder out) {
        boolean first = true;
        for (FallbackKey key : option.fallbackKeys()) {
            if (key.isDeprecated() != deprecated) continue;
            if (!first) out.append(',');
            first = false;
            string(key.getKey(), out);
        }
    }

    static void writeRead(String dir, Map<String, List<Declared>> options, StringBuilder out) {
        Configuration configuration;
        try {
            configuration = GlobalConfiguration.loadConfiguration(dir);
        } catch (Throwable t) {
            out.append(",\"error\":");
            string(t.toString(), out);
            return;
        }
        Map<String, String> raw = configuration.toMap();
        out.append(",\"values\":{");
        boolean first = true;
        for (String key : new TreeMap<>(raw).keySet()) {
            if (!first) out.append(',');
            first = false;
            string(key, out);
            out.append(":{");
            List<Declared> declared = options.get(key);
            if (declared == null) {
                // A placeholder key (metrics.reporter.<name>.*): Flink reads it as a string.
                out.append("\"option\":null,\"value\":");
                string(raw.get(key), out);
            } else {
                Declared d = declared.get(0);
                out.append("\"option\":");
                string(d.owner, out);
                try {
                    out.append(",\"type\":");
                    string(typeName(d.option), out);
                    Object value = configuration.get(d.option);
                    out.append(",\"value\":");
                    value(value, out);
                } catch (Throwable t) {
                    out.append(",\"error\":");
                    string(t.toString(), out);
                }
            }
            out.append('}');
        }
        out.append('}');
    }

    static void value(Object v, StringBuilder out) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof Duration) {
            out.append(((Duration) v).toMillis());
        } else if (v instanceof MemorySize) {
            string(Long.toString(((MemorySize) v).getBytes()), out);
        } else if (v instanceof Enum) {
            string(((Enum<?>) v).name(), out);
        } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long) {
            out.append(v);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isFinite(d)) out.append(v); else string(v.toString(), out);
        } else if (v instanceof List) {
            out.append('[');
            List<?> list = (List<?>) v;
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) out.append(',');
                value(list.get(i), out);
            }
            out.append(']');
        } else if (v instanceof Map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : new TreeMap<>((Map<?, ?>) v).entrySet()) {
                if (!first) out.append(',');
                first = false;
                string(String.valueOf(e.getKey()), out);
                out.append(':');
                value(e.getValue(), out);
            }
            out.append('}');
        } else {
            string(v.toString(), out);
        }
    }

    static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
        }
        out.append('"');
    }
}
