// Standalone mode's snapshot provider: reads --manifests PATH (a file or a folder), emits a
// Snapshot, then watches PATH and emits again after each burst of changes. A file that stops
// parsing keeps its last good objects; a deleted file's objects go; PATH itself vanishing
// keeps everything (last known good, as when the API server is unreachable) until it returns.
import { type FSWatcher, watch } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AnyObject, Diagnostic, Snapshot } from '../../snapshot.ts';
import { Debouncer } from '../../sync/debounce.ts';
import { listManifestFiles } from './files.ts';
import { mergeManifests } from './merge.ts';
import { MANIFEST_FILE_KIND, parseManifestFile } from './parse.ts';

/** The part of a winston logger this source uses. */
export interface SourceLog {
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
}

export interface ManifestSourceOptions {
  /** Quiet time after the last change before re-reading. */
  debounceMs?: number;
  /** Longest a re-read waits while changes keep coming. */
  maxDelayMs?: number;
  /** How often to look again while PATH is missing or cannot be watched. */
  retryMs?: number;
  log?: SourceLog;
}

/** `diagnostics` is the complete current set for the snapshot, not a delta. */
export type SnapshotListener = (snapshot: Snapshot, diagnostics: Diagnostic[]) => void;

interface FileState {
  /** Undefined after a failed read, so the next successful read is parsed whatever it holds. */
  text: string | undefined;
  /** From the last read that parsed. */
  objects: AnyObject[];
  goodDiagnostics: Diagnostic[];
  /** Why the latest read was not used; empty when it was. */
  failure: Diagnostic[];
}

const silent: SourceLog = { info() {}, warn() {}, error() {} };

export class ManifestSource {
  readonly #path: string;
  readonly #retryMs: number;
  readonly #log: SourceLog;
  readonly #debouncer: Debouncer;
  readonly #files = new Map<string, FileState>();
  #onSnapshot: SnapshotListener | undefined;
  #watcher: FSWatcher | undefined;
  #watched: { target: string; ino: number; recursive: boolean } | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #scan: Promise<void> | undefined;
  #scanAgain = false;
  #missing = false;
  /** Watching failed and a timer re-reads instead; logged once, not every retry. */
  #polling = false;
  #stopped = false;

  /** `path` is --manifests PATH: a manifest file or a folder of them. */
  constructor(path: string, options: ManifestSourceOptions = {}) {
    this.#path = path;
    this.#retryMs = options.retryMs ?? 1000;
    this.#log = options.log ?? silent;
    this.#debouncer = new Debouncer(options.debounceMs ?? 100, options.maxDelayMs ?? 1000, () =>
      this.#requestScan(),
    );
  }

  /** Resolves once the first snapshot was handed to `onSnapshot`; rejects if PATH is absent. */
  async start(onSnapshot: SnapshotListener): Promise<void> {
    if (this.#onSnapshot) throw new Error('ManifestSource already started');
    try {
      await stat(this.#path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file or folder' : (error as Error).message;
      throw new Error(`--manifests ${this.#path}: ${why}`, { cause: error });
    }
    this.#onSnapshot = onSnapshot;
    await this.#runScan(true);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#debouncer.cancel();
    clearTimeout(this.#retryTimer);
    this.#unwatch();
    await this.#scan;
  }

  #requestScan(): void {
    if (this.#stopped) return;
    // One scan at a time; changes seen meanwhile get one more scan after it.
    if (this.#scan) this.#scanAgain = true;
    else void this.#runScan(false);
  }

  #runScan(initial: boolean): Promise<void> {
    this.#scan = this.#rescan(initial).finally(() => {
      this.#scan = undefined;
      if (this.#scanAgain) {
        this.#scanAgain = false;
        this.#debouncer.trigger();
      }
    });
    return this.#scan;
  }

  async #rescan(initial: boolean): Promise<void> {
    try {
      // Watch before listing, so nothing written between the two goes unseen.
      await this.#ensureWatching();
      const listing = await listManifestFiles(this.#path);
      if (!listing.exists) {
        if (!this.#missing)
          this.#log.warn('manifests path is gone; keeping its last objects', { path: this.#path });
        this.#missing = true;
        this.#retryLater();
        if (initial) this.#emit();
        return;
      }
      if (this.#missing) this.#log.info('manifests path is back', { path: this.#path });
      this.#missing = false;
      for (const { path, error } of listing.unreadable) {
        this.#log.warn('cannot read manifests folder', { path, error });
      }
      let changed = initial;
      const present = new Set(listing.files);
      for (const path of this.#files.keys()) {
        if (!present.has(path)) {
          this.#files.delete(path);
          changed = true;
        }
      }
      for (const path of listing.files) {
        if (this.#stopped) return;
        if (await this.#read(path)) changed = true;
      }
      if (changed) this.#emit();
    } catch (error) {
      // Nothing here may crash the controller: report, keep the last snapshot, try again.
      this.#log.error('reading manifests failed', { path: this.#path, error: (error as Error).message });
      this.#retryLater();
    }
  }

  /** Reads one file into its state; true when the state changed. */
  async #read(path: string): Promise<boolean> {
    const previous = this.#files.get(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      // Removed between listing and reading: it is gone, like any deleted file.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return this.#files.delete(path);
      const failure: Diagnostic = {
        object: { kind: MANIFEST_FILE_KIND, name: path },
        reason: 'ManifestUnreadable',
        message: `${path}: ${(error as Error).message}; its previous objects are kept`,
      };
      if (previous?.failure.length === 1 && previous.failure[0].message === failure.message) return false;
      this.#files.set(path, {
        ...(previous ?? { objects: [], goodDiagnostics: [] }),
        text: undefined,
        failure: [failure],
      });
      return true;
    }
    if (previous && previous.text === text) return false;
    const parsed = parseManifestFile(path, text);
    if (parsed.ok) {
      this.#files.set(path, {
        text,
        objects: parsed.objects,
        goodDiagnostics: parsed.diagnostics,
        failure: [],
      });
    } else {
      const objects = previous?.objects ?? [];
      const goodDiagnostics = previous?.goodDiagnostics ?? [];
      this.#files.set(path, { text, objects, goodDiagnostics, failure: parsed.diagnostics });
    }
    return true;
  }

  #emit(): void {
    if (this.#stopped || !this.#onSnapshot) return;
    const paths = [...this.#files.keys()].sort();
    const files = paths.map((path) => ({ path, objects: this.#files.get(path)!.objects }));
    const merged = mergeManifests(files);
    const diagnostics = paths.flatMap((path) => {
      const state = this.#files.get(path)!;
      return [...state.failure, ...state.goodDiagnostics];
    });
    diagnostics.push(...merged.diagnostics);
    const { snapshot } = merged;
    this.#log.info('manifests read', {
      path: this.#path,
      files: paths.length,
      objects: Object.values(snapshot).reduce((sum: number, list: unknown[]) => sum + list.length, 0),
      diagnostics: diagnostics.length,
    });
    try {
      this.#onSnapshot(snapshot, diagnostics);
    } catch (error) {
      this.#log.error('snapshot listener failed', { error: (error as Error).message });
    }
  }

  /**
   * A folder is watched recursively; a single file through its folder, because editors, `sed -i`
   * and ConfigMap volumes replace a file by rename and a watch on the old inode would go deaf.
   * A watch whose target was replaced or removed is renewed here, at each scan.
   */
  async #ensureWatching(): Promise<void> {
    if (this.#stopped) return;
    const pathStat = await stat(this.#path).catch(() => undefined);
    if (pathStat === undefined && this.#watched?.recursive !== false) {
      this.#unwatch();
      return;
    }
    const recursive = pathStat ? pathStat.isDirectory() : false;
    const target = recursive ? this.#path : dirname(this.#path);
    const targetStat = await stat(target).catch(() => undefined);
    if (targetStat === undefined) {
      this.#unwatch();
      return;
    }
    const watched = this.#watched;
    if (
      watched &&
      watched.target === target &&
      watched.ino === targetStat.ino &&
      watched.recursive === recursive
    ) {
      return;
    }
    this.#unwatch();
    try {
      const watcher = watch(target, { recursive, persistent: false }, () => this.#debouncer.trigger());
      watcher.on('error', (error) => {
        this.#log.warn('manifests watch failed; renewing it', { path: target, error: error.message });
        this.#unwatch();
        this.#retryLater();
      });
      this.#watcher = watcher;
      this.#watched = { target, ino: targetStat.ino, recursive };
      this.#polling = false;
    } catch (error) {
      // E.g. the inotify watch limit: keep serving, re-read on a timer instead of on events.
      if (!this.#polling) {
        this.#log.error('cannot watch manifests; polling instead', {
          path: target,
          error: (error as Error).message,
        });
      }
      this.#polling = true;
      this.#retryLater();
    }
  }

  #unwatch(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#watched = undefined;
  }

  #retryLater(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#requestScan(), this.#retryMs);
    this.#retryTimer.unref();
  }
}
