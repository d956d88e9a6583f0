/** How Flink is installed on the EC2 nodes. */
export interface TarballOptions {
  /** The full Flink release, e.g. "1.20.1"; it must belong to the cluster's Flink version. */
  readonly release: string;
  /** The SHA-512 of the tarball (the `.sha512` file published beside it). */
  readonly sha512: string;
  /**
   * An https URL of the binary tarball.
   * @default - the Apache archive: https://archive.apache.org/dist/flink/flink-<release>/flink-<release>-bin-scala_2.12.tgz
   */
  readonly url?: string;
  /** The Java package installed with dnf (Amazon Linux 2023). @default "java-17-amazon-corretto-headless" */
  readonly javaPackage?: string;
}

export interface ContainerImageOptions {
  /** The official Flink image (or one built on it), ideally pinned by digest: "flink:1.20.1-java17@sha256:...". */
  readonly image: string;
}

export class FlinkRuntime {
  /** Java and the Flink binary tarball, downloaded over https and checked against its SHA-512. */
  public static tarball(options: TarballOptions): FlinkRuntime {
    const url = options.url ?? `https://archive.apache.org/dist/flink/flink-${options.release}/flink-${options.release}-bin-scala_2.12.tgz`;
    return new FlinkRuntime("tarball", { ...options, url });
  }

  /** The official Flink container image, run by Docker with the host's network (the seed's Docker mode). */
  public static containerImage(options: ContainerImageOptions): FlinkRuntime {
    return new FlinkRuntime("container", options);
  }

  private constructor(
    public readonly kind: "tarball" | "container",
    public readonly options: Partial<TarballOptions> & Partial<ContainerImageOptions>,
  ) {}

  /** What runs Flink, in a word and a name: "tarball 1.20.1", "image flink:1.20.1-java17". */
  public get description(): string {
    return this.kind === "tarball" ? `tarball ${this.options.release}` : `image ${this.options.image}`;
  }
}
