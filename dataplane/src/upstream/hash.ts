// A 32-bit string hash for balancing decisions (not security): FNV-1a over UTF-16 code units, then
// murmur3's fmix32 finalizer, so inputs that differ in one character (`…:80#1`, `…:80#2`) land far
// apart on the ring.
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
