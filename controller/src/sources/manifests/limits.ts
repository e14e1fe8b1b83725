// How much of a --manifests folder is read: a folder must never be able to take the controller
// down (a 50 MB file of 48 000 ConfigMaps once held the primary at 2 GB). Each bound refuses with
// a diagnostic and keeps the refused file's last good objects, as for a file that stops parsing.

export interface ManifestLimits {
  /** Bytes one file may hold; checked on the open file before anything is read. */
  maxFileBytes: number;
  /** Bytes of all files together, taken in path order. */
  maxTotalBytes: number;
  /** Manifest files under a folder, taken in path order. */
  maxFiles: number;
  /** Documents (and List items) in one file. */
  maxDocuments: number;
}

/**
 * The API server refuses a request body over 3 MiB and etcd an object over 1.5 MiB, but one file
 * holds many objects: 10 000 Ingresses with their Services and EndpointSlices make an ~11 MB file.
 */
export const DEFAULT_MANIFEST_LIMITS: ManifestLimits = {
  maxFileBytes: 16 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
  maxFiles: 10_000,
  maxDocuments: 100_000,
};

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB'] as const;

/** `4 KiB`, `16 MiB`, `5000 bytes`: as exact as the flag that set it. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (unit < UNITS.length - 1 && value >= 1024 && value % 1024 === 0) {
    value /= 1024;
    unit++;
  }
  return `${value} ${UNITS[unit]}`;
}
