// PATH... (files, folders, `-` for stdin) → one Snapshot, with the standalone source's own reader
// and parser (controller/src/sources/manifests), so lint sees a folder as `--manifests` would.
import { resolve } from 'node:path';
import type { AnyObject, Diagnostic, Snapshot } from '../controller/src/snapshot.ts';
import { listManifestFiles, readBounded } from '../controller/src/sources/manifests/files.ts';
import { formatBytes, type ManifestLimits } from '../controller/src/sources/manifests/limits.ts';
import { mergeManifests } from '../controller/src/sources/manifests/merge.ts';
import { MANIFEST_FILE_KIND, parseManifestFile } from '../controller/src/sources/manifests/parse.ts';

export interface ManifestInput {
  /** As the user named it (`-` is stdin): diagnostics and origins show it that way. */
  path: string;
  text: string;
}

export interface ReadManifests {
  snapshot: Snapshot;
  diagnostics: Diagnostic[];
  /** `Kind/namespace/name` → `path:line:col` of the object used. */
  origins: Map<string, string>;
}

export function objectKey(object: { kind: string; namespace?: string; name: string }): string {
  return `${object.kind}/${object.namespace ?? ''}/${object.name}`;
}

/** Pure: texts already read → what the controller's manifest source would make of them. */
export function parseManifests(inputs: readonly ManifestInput[], limits: ManifestLimits): ReadManifests {
  const diagnostics: Diagnostic[] = [];
  const files: Array<{ path: string; objects: AnyObject[] }> = [];
  const origins = new Map<string, string>();
  const byPath = new Map<string, string[]>();
  for (const { path, text } of inputs) {
    const parsed = parseManifestFile(path, text, limits);
    diagnostics.push(...parsed.diagnostics);
    files.push({ path, objects: parsed.objects });
    byPath.set(path, parsed.origins);
  }
  const merged = mergeManifests(files);
  diagnostics.push(...merged.diagnostics);
  // Files apply in sorted path order there, a later one winning a duplicate: the same here.
  for (const { path, objects } of [...files].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  )) {
    const where = byPath.get(path) ?? [];
    objects.forEach((object, i) => {
      origins.set(objectKey({ kind: object.kind, ...object.metadata }), where[i] ?? path);
    });
  }
  return { snapshot: merged.snapshot, diagnostics, origins };
}

/** Reads each PATH (a folder recursively, as --manifests does) within `limits`; `-` reads `stdin`. */
export async function readManifestInputs(
  paths: readonly string[],
  limits: ManifestLimits,
  cwd: string,
  stdin: () => Promise<string>,
): Promise<{ inputs: ManifestInput[]; diagnostics: Diagnostic[] }> {
  const inputs: ManifestInput[] = [];
  const diagnostics: Diagnostic[] = [];
  let total = 0;
  const refuse = (path: string, reason: string, message: string) =>
    diagnostics.push({ object: { kind: MANIFEST_FILE_KIND, name: path }, reason, message });
  const take = (path: string, text: string): void => {
    total += Buffer.byteLength(text);
    if (Buffer.byteLength(text) > limits.maxFileBytes)
      refuse(
        path,
        'ManifestTooLarge',
        `${path}: over the ${formatBytes(limits.maxFileBytes)} a file may hold (--manifests-max-file-size)`,
      );
    else if (total > limits.maxTotalBytes)
      refuse(
        path,
        'ManifestsTooLarge',
        `${path}: the files read would pass ${formatBytes(limits.maxTotalBytes)} (--manifests-max-total-size)`,
      );
    else inputs.push({ path, text });
  };
  for (const path of paths) {
    if (path === '-') {
      take('-', await stdin());
      continue;
    }
    const listing = await listManifestFiles(resolve(cwd, path));
    if (!listing.exists) {
      refuse(path, 'ManifestUnreadable', `${path}: no such file or folder`);
      continue;
    }
    for (const { path: where, error } of listing.unreadable)
      refuse(where, 'ManifestUnreadable', `${where}: ${error}`);
    const files = listing.files.slice(0, limits.maxFiles);
    if (listing.files.length > limits.maxFiles)
      refuse(
        path,
        'TooManyManifestFiles',
        `${path}: ${listing.files.length} manifest files; the first ${limits.maxFiles} in path order are read (--manifests-max-files)`,
      );
    for (const file of files) {
      // Shown relative to the PATH given, so output does not depend on where it ran.
      const shown = listing.isFile
        ? path
        : `${path.replace(/\/+$/, '')}/${file.slice(resolve(cwd, path).length + 1)}`;
      try {
        const read = await readBounded(file, limits.maxFileBytes);
        if ('tooLarge' in read)
          refuse(
            shown,
            'ManifestTooLarge',
            `${shown}: ${read.tooLarge} bytes, over the ${formatBytes(limits.maxFileBytes)} a file may hold (--manifests-max-file-size)`,
          );
        else take(shown, read.bytes.toString('utf8'));
      } catch (error) {
        refuse(shown, 'ManifestUnreadable', `${shown}: ${(error as Error).message}`);
      }
    }
  }
  return { inputs, diagnostics };
}

/** stdin, at most `maxBytes` + 1 bytes kept: a pipe that never ends cannot fill memory. */
export async function readStdin(maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes + 1) {
      chunks.push(chunk.subarray(0, Math.max(0, chunk.length - (size - maxBytes - 1))));
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
