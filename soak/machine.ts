/** The machine a soak part ran on, for docs/reliability.md. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

function version(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { stdio: 'pipe' }).toString().trim();
  } catch {
    return 'unknown';
  }
}

/** CPU, memory, OS, Node, the servers' versions and the load when run. */
export function machine() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    postgres: version('psql', ['--version']),
    redis: version('redis-server', ['--version']),
    loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
  };
}
