// Which files under --manifests PATH are manifests. A folder is walked recursively; hidden
// entries and editor leftovers are skipped so saving in vim or emacs never feeds a temp file in.
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** `.yaml`, `.yml`, `.json`; never dotfiles (`.#x.yaml`, `.x.yaml.swp`) nor `x.yaml~` backups. */
export function isManifestName(name: string): boolean {
  return !name.startsWith('.') && /\.(ya?ml|json)$/i.test(name);
}

export type Listing =
  | { exists: true; isFile: boolean; files: string[]; unreadable: Array<{ path: string; error: string }> }
  | { exists: false };

/** A file PATH is read whatever its name: naming it explicitly is the user's choice. */
export async function listManifestFiles(root: string): Promise<Listing> {
  const rootStat = await statOrUndefined(root);
  if (rootStat === undefined) return { exists: false };
  if (!rootStat.isDirectory()) return { exists: true, isFile: true, files: [root], unreadable: [] };
  const files: string[] = [];
  const unreadable: Array<{ path: string; error: string }> = [];
  await walk(root, files, unreadable);
  files.sort();
  return { exists: true, isFile: false, files, unreadable };
}

async function walk(dir: string, files: string[], unreadable: Array<{ path: string; error: string }>) {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    // A folder removed while we walk is simply gone; anything else is worth a word.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      unreadable.push({ path: dir, error: (error as Error).message });
    }
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, files, unreadable);
    else if (isManifestName(entry.name)) {
      // Symlinked files are followed (ConfigMap volumes are made of them); symlinked folders
      // are not, since the recursive watch does not see into them and they may loop.
      if (entry.isFile() || (entry.isSymbolicLink() && (await statOrUndefined(path))?.isFile()))
        files.push(path);
    }
  }
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/** A file's bytes, or its size when it holds more than `maxBytes` (then nothing is kept). */
export type BoundedRead = { bytes: Buffer } | { tooLarge: number };

/**
 * Reads at most `maxBytes` + 1 bytes: the size is checked on the open file before reading, and a
 * file that grows meanwhile (or a device that never ends) is cut off at the limit.
 */
export async function readBounded(path: string, maxBytes: number): Promise<BoundedRead> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) return { tooLarge: size };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // The first read usually takes the whole file; the next one finds its end.
      const room = Math.min(maxBytes + 1 - total, Math.max(size + 1 - total, 64 * 1024));
      const chunk = Buffer.allocUnsafe(room);
      const { bytesRead } = await handle.read(chunk, 0, room, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) return { tooLarge: total };
      chunks.push(bytesRead === room ? chunk : chunk.subarray(0, bytesRead));
    }
    return { bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total) };
  } finally {
    await handle.close();
  }
}
