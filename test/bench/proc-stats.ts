/**
 * CPU time and memory of the processes under test, from /proc (Linux): the gateway, the
 * redis-server and PostgreSQL (the backends on the bench's database plus the server's own
 * background processes: WAL writer, checkpointer… do work per commit too).
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { Redis } from 'ioredis';
import pg from 'pg';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process in seconds, or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** VmRSS and VmHWM (peak) in MB. */
export function memoryMb(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 'NaN');
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Sums CPU over a changing set of processes: each counted from when it was first seen. */
export class CpuGroup {
  readonly #first = new Map<number, number>();
  readonly #last = new Map<number, number>();

  /** @param baseline true for processes already running at the start: only later CPU counts. */
  observe(pids: readonly number[], baseline: boolean): void {
    for (const pid of pids) {
      const seconds = cpuSeconds(pid);
      if (seconds === undefined) continue;
      if (!this.#first.has(pid)) this.#first.set(pid, baseline ? seconds : 0);
      this.#last.set(pid, seconds);
    }
  }

  total(): number {
    let sum = 0;
    for (const [pid, last] of this.#last) sum += last - (this.#first.get(pid) ?? last);
    return sum;
  }
}

export async function redisPid(redis: Redis): Promise<number | undefined> {
  const info = await redis.info('server');
  const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
  return Number.isInteger(pid) ? pid : undefined;
}

/** PostgreSQL processes working for `database`: its backends and the server's background ones. */
export async function postgresPids(admin: pg.Client, database: string): Promise<number[]> {
  const result = await admin.query<{ pid: number }>(
    `select pid from pg_stat_activity where pid <> pg_backend_pid() and (datname = $1 or backend_type <> 'client backend')`,
    [database],
  );
  return result.rows.map((row) => row.pid);
}

/** Committed transactions and rows written on one database so far (pg_stat_database). */
export async function databaseActivity(admin: pg.Client, database: string): Promise<{ commits: number; rowsWritten: number }> {
  const result = await admin.query<{ commits: string; written: string }>(
    `select xact_commit::text as commits, (tup_inserted + tup_updated + tup_deleted)::text as written from pg_stat_database where datname = $1`,
    [database],
  );
  const row = result.rows[0];
  return { commits: Number(row?.commits ?? 0), rowsWritten: Number(row?.written ?? 0) };
}

/**
 * Commands the Redis server has processed so far, and its round trips: the read events it
 * processed on client sockets (`total_reads_processed`, Redis ≥ 6), one per request or
 * pipeline however many commands it carries. All clients: the server may be shared.
 */
export async function redisCommands(redis: Redis): Promise<{ readonly commands: number; readonly roundTrips: number }> {
  const info = await redis.info('stats');
  return {
    commands: Number(/^total_commands_processed:(\d+)/m.exec(info)?.[1] ?? 0),
    roundTrips: Number(/^total_reads_processed:(\d+)/m.exec(info)?.[1] ?? Number.NaN),
  };
}

/** CPU seconds the whole machine spent busy so far (all cores, /proc/stat). */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/**
 * Read and write system calls of a process so far (/proc/<pid>/io syscr, syscw): every
 * round trip to PostgreSQL or Redis is at least one write (pg corks a query into one
 * writev), so writes per message count round trips whatever else runs on the machine.
 */
export function syscalls(pid: number): { reads: number; writes: number } | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(io)?.[1] ?? 'NaN');
    return { reads: field('syscr'), writes: field('syscw') };
  } catch {
    return undefined;
  }
}
