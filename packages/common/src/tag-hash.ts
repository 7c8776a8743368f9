// Tag hash codes as RocketMQ computes them: Java's String.hashCode over UTF-16 code units.

/**
 * Java's String.hashCode of s[from, to); with `h`, continues the hash of a string that s's
 * part follows ("topic#" then a key, without building "topic#key").
 */
export function javaStringHashCode(s: string, h = 0, from = 0, to = s.length): number {
  for (let i = from; i < to; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** The consume-queue tags code of a message: 0 when it has no tag. */
export function tagsCode(tag: string | undefined): number {
  return tag === undefined || tag.length === 0 ? 0 : javaStringHashCode(tag);
}
