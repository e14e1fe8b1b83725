// Standalone mode's snapshot provider: reads --manifests PATH (a file or a folder), emits a
// Snapshot, then watches PATH and emits again after each burst of changes. A file that stops
// parsing, or grows past a limit (limits.ts), keeps its last good objects; a deleted file's
// objects go; PATH itself vanishing keeps everything (last known good, as when the API server
// is unreachable) until it returns.
import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AnyObject, Diagnostic, Snapshot } from '../../snapshot.ts';
import { Debouncer } from '../../sync/debounce.ts';
import { listManifestFiles, readBounded } from './files.ts';
import { DEFAULT_MANIFEST_LIMITS, formatBytes, type ManifestLimits } from './limits.ts';
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
  limits?: ManifestLimits;
}

/** `diagnostics` is the complete current set for the snapshot, not a delta. */
export type SnapshotListener = (snapshot: Snapshot, diagnostics: Diagnostic[]) => void;

interface FileState {
  /**
   * Digest of the bytes last read; undefined after a failed or refused read, so the next read is
   * parsed whatever it holds. A digest, not the text: a file's text is not kept once parsed.
   */
  digest: string | undefined;
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
  readonly #limits: ManifestLimits;
  readonly #files = new Map<string, FileState>();
  /** Problems of the folder as a whole (too many files); empty when none. */
  #folderProblems: Diagnostic[] = [];
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
    this.#limits = options.limits ?? DEFAULT_MANIFEST_LIMITS;
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
      // Past the limits, files are taken in path order, so which ones are read never depends on
      // the order the file system lists them in.
      const { maxFiles, maxTotalBytes } = this.#limits;
      if (this.#setFolderProblems(this.#tooManyFiles(listing.files.length))) changed = true;
      let remaining = maxTotalBytes;
      for (const path of listing.files.slice(0, maxFiles)) {
        if (this.#stopped) return;
        const read = await this.#read(path, remaining);
        if (read.changed) changed = true;
        remaining -= read.bytes;
      }
      if (changed) this.#emit();
    } catch (error) {
      // Nothing here may crash the controller: report, keep the last snapshot, try again.
      this.#log.error('reading manifests failed', { path: this.#path, error: (error as Error).message });
      this.#retryLater();
    }
  }

  /**
   * Reads one file into its state, if it fits in `remaining` bytes of the folder's total; returns
   * whether the state changed and the bytes read.
   */
  async #read(path: string, remaining: number): Promise<{ changed: boolean; bytes: number }> {
    const previous = this.#files.get(path);
    const { maxFileBytes } = this.#limits;
    let bytes: Buffer;
    try {
      const read = await readBounded(path, Math.min(maxFileBytes, Math.max(remaining, 0)));
      if ('tooLarge' in read) {
        const size = read.tooLarge;
        const failure: Diagnostic =
          size > maxFileBytes
            ? {
                object: { kind: MANIFEST_FILE_KIND, name: path },
                reason: 'ManifestTooLarge',
                message: `${path}: ${size} bytes, over the ${formatBytes(maxFileBytes)} a file may hold (--manifests-max-file-size); this version of the file is not used`,
              }
            : {
                object: { kind: MANIFEST_FILE_KIND, name: path },
                reason: 'ManifestsTooLarge',
                message: `${path}: ${size} bytes would take the files read past ${formatBytes(this.#limits.maxTotalBytes)} (--manifests-max-total-size; ${formatBytes(this.#limits.maxTotalBytes - remaining)} read before it, in path order); this version of the file is not used`,
              };
        return { changed: this.#refuse(path, previous, failure), bytes: 0 };
      }
      bytes = read.bytes;
    } catch (error) {
      // Removed between listing and reading: it is gone, like any deleted file.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return { changed: this.#files.delete(path), bytes: 0 };
      const failure: Diagnostic = {
        object: { kind: MANIFEST_FILE_KIND, name: path },
        reason: 'ManifestUnreadable',
        message: `${path}: ${(error as Error).message}`,
      };
      return { changed: this.#refuse(path, previous, failure), bytes: 0 };
    }
    const digest = createHash('sha256').update(bytes).digest('base64');
    if (previous && previous.digest === digest) return { changed: false, bytes: bytes.length };
    const parsed = parseManifestFile(path, bytes.toString('utf8'), this.#limits);
    if (parsed.ok) {
      this.#files.set(path, {
        digest,
        objects: parsed.objects,
        goodDiagnostics: parsed.diagnostics,
        failure: [],
      });
    } else {
      const objects = previous?.objects ?? [];
      const goodDiagnostics = previous?.goodDiagnostics ?? [];
      this.#files.set(path, { digest, objects, goodDiagnostics, failure: parsed.diagnostics });
    }
    return { changed: true, bytes: bytes.length };
  }

  /** This version of the file is not used: its last good objects stay, beside the reason. */
  #refuse(path: string, previous: FileState | undefined, reason: Diagnostic): boolean {
    const failure = previous?.objects.length
      ? { ...reason, message: `${reason.message}; its previous objects are kept` }
      : reason;
    if (previous?.failure.length === 1 && previous.failure[0].message === failure.message) return false;
    this.#files.set(path, {
      ...(previous ?? { objects: [], goodDiagnostics: [] }),
      digest: undefined,
      failure: [failure],
    });
    return true;
  }

  #tooManyFiles(count: number): Diagnostic[] {
    const { maxFiles } = this.#limits;
    if (count <= maxFiles) return [];
    return [
      {
        object: { kind: MANIFEST_FILE_KIND, name: this.#path },
        reason: 'TooManyManifestFiles',
        message: `${this.#path}: ${count} manifest files, over the limit; the first ${maxFiles} in path order are read, the rest not (--manifests-max-files)`,
      },
    ];
  }

  /** True when they differ from the last ones. */
  #setFolderProblems(problems: Diagnostic[]): boolean {
    const key = (list: Diagnostic[]) => list.map((d) => d.message).join('\n');
    if (key(problems) === key(this.#folderProblems)) return false;
    this.#folderProblems = problems;
    return true;
  }

  #emit(): void {
    if (this.#stopped || !this.#onSnapshot) return;
    const paths = [...this.#files.keys()].sort();
    const files = paths.map((path) => ({ path, objects: this.#files.get(path)!.objects }));
    const merged = mergeManifests(files);
    const diagnostics = [...this.#folderProblems];
    diagnostics.push(
      ...paths.flatMap((path) => {
        const state = this.#files.get(path)!;
        return [...state.failure, ...state.goodDiagnostics];
      }),
    );
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
