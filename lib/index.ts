export * from "./config/settings";
export { FlinkVersion, CATALOGED_VERSIONS, CatalogedVersion } from "./config/version";
export { FlinkConfiguration, FlinkPorts, buildConfiguration } from "./config/options";
export { TaskManagerMemory, JobManagerMemory, JvmMemoryArgs, taskManagerJvmArgs, jobManagerJvmArgs } from "./config/memory";
export { FlinkCatalog, CatalogOption, catalogFor } from "./config/catalog";
export { ConfigProblem, ConfigWarning, FlinkConfigError } from "./config/problems";
export { renderConfigYaml, renderLog4jProperties } from "./config/render";
export { parseMemorySize, parseDuration, formatMemorySize, formatDuration } from "./config/units";
export * from "./flink-cluster";
