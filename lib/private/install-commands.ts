import { shellQuote } from "../targets/flink-process";

/** Shell lines that create a system user and group with a fixed id, unless they exist. */
export function systemUserCommands(name: string, uid: number, home: string): string[] {
  return [
    `getent group ${name} >/dev/null || groupadd --system --gid ${uid} ${name}`,
    `id ${name} >/dev/null 2>&1 || useradd --system --uid ${uid} --gid ${uid} --home-dir ${home} --shell /sbin/nologin ${name}`,
  ];
}

/** Shell lines that download a tarball over https as `file`, check its SHA-512 and unpack it into `dir` (its top folder stripped). */
export function verifiedTarballCommands(url: string, sha512: string, file: string, dir: string): string[] {
  return [
    "workdir=$(mktemp -d)",
    `curl -fsSL --proto '=https' --retry 5 -o "$workdir/${file}" ${shellQuote(url)}`,
    `echo ${shellQuote(`${sha512}  ${file}`)} > "$workdir/${file}.sha512"`,
    `(cd "$workdir" && sha512sum -c ${file}.sha512)`,
    `mkdir -p ${dir}`,
    `tar -xzf "$workdir/${file}" -C ${dir} --strip-components=1`,
    'rm -rf "$workdir"',
  ];
}
