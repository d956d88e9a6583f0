export { AcmeFlinkPlatform, AcmeFlinkPlatformProps, FLINK_RELEASE, ZOOKEEPER_RELEASE } from "./acme-flink-platform";
export { AcmeFlinkCluster, AcmeFlinkClusterProps, ACME_SIZES, AcmeSize } from "./acme-flink-cluster";
