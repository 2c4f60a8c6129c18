/**
 * The targets of the lost-connections part: Postgres and Redis storage whose
 * connections are identified by a unique name (`application_name`, client
 * name), so only this process's connections are killed on a shared server;
 * and private servers (another port) that may be restarted.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';
import { createClient } from 'redis';
import { PostgresStorage } from 'runstate/postgres';
import { RedisStorage } from 'runstate/redis';
import { soakName, type ConnectionTarget } from './connections.js';

/** Postgres at `url`; `disrupt` terminates this storage's backends. */
export function postgresKill(url: string): ConnectionTarget {
  const name = soakName();
  const separator = url.includes('?') ? '&' : '?';
  const storageUrl = `${url}${separator}application_name=${name}`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  return {
    name: 'Postgres, backends terminated (pg_terminate_backend)',
    open: () =>
      PostgresStorage.open({ connectionString: storageUrl, schema: name }),
    disrupt: async () => {
      const { rows } = await admin.query<{ t: boolean }>(
        'SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE application_name = $1',
        [name],
      );
      return rows.filter((r) => r.t).length;
    },
    cleanup: async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await admin.end();
    },
  };
}

/** A node-redis client named `name`, reconnecting forever. */
async function namedClient(url: string, name: string) {
  const client = createClient({
    url,
    name,
    disableOfflineQueue: true,
    socket: {
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 1000),
    },
  });
  client.on('error', () => undefined); // reconnects; failed commands reject
  await client.connect();
  return client;
}

/** Redis at `url`; `disrupt` kills this storage's client by id. */
export function redisKill(url: string): ConnectionTarget {
  const name = soakName();
  const clients: Awaited<ReturnType<typeof namedClient>>[] = [];
  let admin: Awaited<ReturnType<typeof namedClient>> | undefined;
  return {
    name: 'Redis, client killed (CLIENT KILL ID)',
    open: async () => {
      const client = await namedClient(url, name);
      clients.push(client);
      return RedisStorage.open({ client, prefix: `${name}:` });
    },
    disrupt: async () => {
      admin ??= await namedClient(url, `${name}_admin`);
      const ids = (await admin.clientList())
        .filter((client) => client.name === name)
        .map((client) => String(client.id));
      for (const id of ids) {
        await admin.sendCommand(['CLIENT', 'KILL', 'ID', id]);
      }
      return ids.length;
    },
    cleanup: async () => {
      admin ??= await namedClient(url, `${name}_admin`);
      const keys = await admin.keys(`${name}:*`);
      if (keys.length > 0) await admin.del(keys);
      for (const c of [...clients, admin]) c.destroy();
    },
  };
}

/** A private Redis server on `port` (AOF, fsync always), restarted by `disrupt`. */
export function redisRestart(port: number, dir: string): ConnectionTarget {
  const start = () =>
    execFileSync('redis-server', [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      dir,
      '--logfile',
      `${dir}/redis.log`,
    ]);
  const stop = () => {
    try {
      execFileSync('redis-cli', ['-p', String(port), 'SHUTDOWN', 'NOSAVE']);
    } catch {
      // already down
    }
  };
  const url = `redis://127.0.0.1:${port}`;
  const ping = () => {
    for (let i = 0; i < 100; i++) {
      try {
        if (
          execFileSync('redis-cli', ['-p', String(port), 'PING'], {
            stdio: 'pipe',
          })
            .toString()
            .includes('PONG')
        )
          return;
      } catch {
        // starting
      }
      execFileSync('sleep', ['0.05']);
    }
  };
  start();
  ping();
  const kill = redisKill(url);
  return {
    name: `Redis, private server restarted (SHUTDOWN NOSAVE; AOF, appendfsync always)`,
    open: () => kill.open(),
    disrupt: () => {
      stop();
      start();
      ping();
      return Promise.resolve(1);
    },
    cleanup: async () => {
      try {
        await kill.cleanup();
      } finally {
        stop();
      }
    },
  };
}

/** The newest installed PostgreSQL major version (`/etc/postgresql/<n>`). */
export function postgresVersion(): string | undefined {
  try {
    return readdirSync('/etc/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))[0];
  } catch {
    return undefined;
  }
}

/** A port nobody listens on now (the kernel's pick). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Whether private servers can be started here: `redis-server`/`redis-cli`
 * for Redis; root and `pg_createcluster` for Postgres. Undefined when they
 * can, else the reason.
 */
export function cannotRestart(
  server: 'redis' | 'postgres',
): string | undefined {
  const has = (command: string) => {
    try {
      execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  };
  if (server === 'redis') {
    return has('redis-server') && has('redis-cli')
      ? undefined
      : 'redis-server/redis-cli not installed';
  }
  if (process.getuid?.() !== 0) return 'not root (pg_createcluster)';
  if (!has('pg_createcluster') || postgresVersion() === undefined) {
    return 'postgresql-common (pg_createcluster) not installed';
  }
  return undefined;
}

/**
 * A private Postgres cluster (`pg_createcluster`, a unique name), restarted
 * by `disrupt`, dropped by `cleanup`.
 */
export function postgresRestart(
  version: string,
  cluster: string,
  port: number,
): ConnectionTarget {
  try {
    execFileSync('pg_dropcluster', [version, cluster, '--stop'], {
      stdio: 'pipe',
    });
  } catch {
    // no leftover from an interrupted run
  }
  execFileSync('pg_createcluster', [
    version,
    cluster,
    '-p',
    String(port),
    '--',
    '--auth-host=trust',
    '--auth-local=trust',
  ]);
  execFileSync('pg_ctlcluster', [version, cluster, 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const kill = postgresKill(url);
  return {
    name: `Postgres, private cluster restarted (pg_ctlcluster ${version} <cluster> restart)`,
    open: () => kill.open(),
    disrupt: () => {
      execFileSync('pg_ctlcluster', [version, cluster, 'restart']);
      return Promise.resolve(1);
    },
    cleanup: async () => {
      try {
        await kill.cleanup();
      } finally {
        execFileSync('pg_dropcluster', [version, cluster, '--stop']);
      }
    },
  };
}
