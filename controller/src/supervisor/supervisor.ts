// Forks the data-plane workers, hands each the current table before it accepts connections,
// tracks which version each serves, and respawns a worker that dies — with exponential back-off
// so a crash loop is not a fork bomb. The primary is never in the request path.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type {
  FromWorker,
  MetricFamily,
  ToWorker,
  WorkerConfig,
} from '../../../dataplane/src/table/messages.ts';
import type { RouteTable } from '../../../dataplane/src/table/types.ts';
import type { GlobalLimits } from '../limits/global-store.ts';
import { LimitLedger } from '../limits/ledger.ts';
import type { Logger } from '../log.ts';
import { ScrapeRequests } from '../metrics/scrape-requests.ts';
import { selfSignedCertificate } from '../tls/self-signed.ts';
import { TicketKeys } from '../tls/ticket-keys.ts';
import { compileCacheDir, workerEnv } from './compile-cache.ts';
import { limitClock } from './limit-clock.ts';

export const workerScript = fileURLToPath(new URL('../../../dataplane/src/worker.ts', import.meta.url));

/** V8 falls back to its linear-time engine when a user regex backtracks too much. */
const WORKER_EXEC_ARGV = ['--enable-experimental-regexp-engine-on-excessive-backtracks'];

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 30_000;
/** A worker that lived this long is healthy again: its next crash starts the back-off anew. */
const STABLE_AFTER_MS = 10_000;
/** This many quick exits in a row make a crash loop: logged as an error and failing /healthz. */
const CRASH_LOOP_EXITS = 3;

interface Slot {
  slot: number;
  child: ChildProcess | undefined;
  pid: number | undefined;
  listening: boolean;
  appliedVersion: number;
  startedAt: number;
  crashes: number;
  respawnTimer: NodeJS.Timeout | undefined;
}

export interface SupervisorEvents {
  applied: [slot: number, version: number, compileMs: number];
  /** Every worker listens and serves this version (emitted once per version). */
  serving: [version: number];
  rejected: [slot: number, version: number, errors: string[]];
  restart: [slot: number];
  fatal: [message: string];
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly #config: Omit<WorkerConfig, 'slot'>;
  readonly #log: Logger;
  readonly #slots: Slot[];
  #table: RouteTable | undefined;
  #stopping = false;
  /** Shared by all workers: TLS resumption works across them; the default certificate is one. */
  readonly #ticketKeys = new TicketKeys();
  /** Workers share one compile cache (compile-cache.ts): faster starts, less RSS. */
  readonly #workerEnv = workerEnv(process.env, compileCacheDir());
  readonly #defaultCertificate = selfSignedCertificate();
  /** One Via pseudonym for all workers (loop detection): a request looping through any of them is seen. */
  readonly #viaPseudonym = `gatehouse-${randomBytes(8).toString('hex')}`;
  #servingVersion = -1;
  readonly #scrapes = new ScrapeRequests();
  /** The replica's rate-limit budgets, shared by every worker (leases over IPC). */
  readonly limits = new LimitLedger(limitClock(process.env));
  /** global-rate-limit: the shared store (--rate-limit-store), else this replica's ledger. */
  globalLimits: GlobalLimits | undefined;

  constructor(workers: number, config: Omit<WorkerConfig, 'slot'>, log: Logger) {
    super();
    this.#config = config;
    this.#log = log.child({ component: 'supervisor' });
    this.#slots = Array.from({ length: workers }, (_, i) => ({
      slot: i + 1,
      child: undefined,
      pid: undefined,
      listening: false,
      appliedVersion: -1,
      startedAt: 0,
      crashes: 0,
      respawnTimer: undefined,
    }));
  }

  start(): void {
    this.#ticketKeys.start((keys) => {
      for (const slot of this.#slots) this.#send(slot, { type: 'ticket-keys', keys });
    });
    for (const slot of this.#slots) this.#spawn(slot);
  }

  /** Sends the whole table to every live worker; a worker spawned later receives it first thing. */
  push(table: RouteTable): void {
    this.#table = table;
    for (const slot of this.#slots) this.#send(slot, { type: 'table', table });
  }

  get currentVersion(): number | undefined {
    return this.#table?.version;
  }

  /** True once every worker listens and serves the current table. */
  ready(): boolean {
    const version = this.#table?.version;
    if (version === undefined) return false;
    return this.#slots.every((s) => s.child !== undefined && s.listening && s.appliedVersion === version);
  }

  /**
   * Not ok while a slot is in a crash loop (CRASH_LOOP_EXITS quick exits in a row, its worker not
   * yet stable): /healthz says so, and a liveness probe restarts the pod as kubelet would a container.
   */
  health(now = Date.now()): { ok: boolean; detail: string } {
    const looping = this.#slots.filter(
      (s) => s.crashes >= CRASH_LOOP_EXITS && (s.child === undefined || now - s.startedAt < STABLE_AFTER_MS),
    );
    if (looping.length === 0) return { ok: true, detail: 'workers running' };
    const which = looping.map((s) => `worker ${s.slot} (${s.crashes} exits in a row)`).join(', ');
    return { ok: false, detail: `crash loop: ${which}` };
  }

  workerPids(): number[] {
    return this.#slots.flatMap((s) => (s.pid === undefined ? [] : [s.pid]));
  }

  /** Every live worker's metrics; a worker that does not answer within `timeoutMs` is left out. */
  collectMetrics(timeoutMs = 2_000): Promise<MetricFamily[][]> {
    return this.#scrapes.collect((id) => {
      let asked = 0;
      for (const slot of this.#slots) {
        if (slot.child?.connected !== true) continue;
        this.#send(slot, { type: 'metrics-request', id });
        asked++;
      }
      return asked;
    }, timeoutMs);
  }

  /** SIGTERM every worker (they drain) and resolve once all have exited. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#ticketKeys.stop();
    const exits: Promise<void>[] = [];
    for (const slot of this.#slots) {
      clearTimeout(slot.respawnTimer);
      const child = slot.child;
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) continue;
      exits.push(new Promise((resolve) => child.once('exit', () => resolve())));
      child.kill('SIGTERM');
    }
    await Promise.all(exits);
  }

  #send(slot: Slot, message: ToWorker): void {
    const child = slot.child;
    if (child === undefined || !child.connected) return;
    child.send(message, (error) => {
      if (error) this.#log.warn('could not reach worker', { worker: slot.slot, error: error.message });
    });
  }

  #spawn(slot: Slot): void {
    slot.respawnTimer = undefined;
    const child = fork(workerScript, [], {
      execArgv: [...process.execArgv, ...WORKER_EXEC_ARGV],
      env: this.#workerEnv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    slot.child = child;
    slot.pid = child.pid;
    slot.listening = false;
    slot.appliedVersion = -1;
    slot.startedAt = Date.now();
    this.#log.info('worker started', { worker: slot.slot, pid: child.pid });
    child.on('message', (message: FromWorker) => this.#onMessage(slot, message));
    child.on('error', (error) =>
      this.#log.error('worker process error', { worker: slot.slot, error: error.message }),
    );
    child.on('exit', (code, signal) => this.#onExit(slot, child, code, signal));
    const shared = {
      ticketKeys: this.#ticketKeys.current,
      defaultCertificate: this.#defaultCertificate,
      viaPseudonym: this.#viaPseudonym,
    };
    this.#send(slot, { type: 'init', config: { ...shared, ...this.#config, slot: slot.slot } });
    if (this.#table !== undefined) this.#send(slot, { type: 'table', table: this.#table });
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    switch (message.type) {
      case 'listening':
        slot.listening = true;
        this.#checkServing();
        break;
      case 'applied':
        slot.appliedVersion = message.version;
        this.emit('applied', slot.slot, message.version, message.compileMs);
        this.#checkServing();
        break;
      case 'rejected':
        this.#log.error('worker rejected route table', {
          worker: slot.slot,
          version: message.version,
          errors: message.errors,
        });
        this.emit('rejected', slot.slot, message.version, message.errors);
        break;
      case 'fatal':
        this.#log.error('worker cannot serve', { worker: slot.slot, message: message.message });
        this.emit('fatal', message.message);
        break;
      case 'metrics':
        this.#scrapes.answer(message.id, message.metrics);
        break;
      case 'limit-lease':
        this.#send(slot, {
          type: 'limit-answer',
          id: message.id,
          granted: this.limits.lease(slot.slot, message),
        });
        break;
      case 'limit-return':
        this.limits.giveBack(message.zone, message.key, message.buckets, message.count);
        break;
      case 'limit-acquire': {
        const held = this.limits.acquire(slot.slot, message.zone, message.key, message.limit);
        this.#send(slot, { type: 'limit-answer', id: message.id, granted: held ? 1 : 0 });
        break;
      }
      case 'limit-release':
        this.limits.release(slot.slot, message.zone, message.key);
        break;
      case 'limit-global': {
        const { id, zone, key, limit, windowSeconds } = message;
        void this.globalLimits
          ?.admit(slot.slot, zone, key, limit, windowSeconds)
          .then((ok) => this.#send(slot, { type: 'limit-answer', id, granted: ok ? 1 : 0 }));
        // No store object at all (tests building a Supervisor alone): the worker's timeout refuses.
        break;
      }
    }
  }

  #checkServing(): void {
    const version = this.#table?.version;
    if (version === undefined || version === this.#servingVersion || !this.ready()) return;
    this.#servingVersion = version;
    this.emit('serving', version);
  }

  #onExit(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    // Its requests in progress ended with it: their connection-limit slots are free again.
    this.limits.forgetWorker(slot.slot);
    slot.child = undefined;
    slot.pid = undefined;
    slot.listening = false;
    if (this.#stopping) return;
    const lived = Date.now() - slot.startedAt;
    slot.crashes = lived > STABLE_AFTER_MS ? 1 : slot.crashes + 1;
    const delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (slot.crashes - 1));
    const exit = { worker: slot.slot, pid: child.pid, code, signal, inMs: delay };
    this.#log.warn('worker exited; respawning', exit);
    if (slot.crashes === CRASH_LOOP_EXITS)
      this.#log.error('worker crash loop: respawns back off', { ...exit, exits: slot.crashes });
    this.emit('restart', slot.slot);
    slot.respawnTimer = setTimeout(() => this.#spawn(slot), delay);
  }
}
