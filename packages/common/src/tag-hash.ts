// Tag hash codes as RocketMQ computes them: Java's String.hashCode over UTF-16 code units.

export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** The consume-queue tags code of a message: 0 when it has no tag. */
export function tagsCode(tag: string | undefined): number {
  return tag === undefined || tag.length === 0 ? 0 : javaStringHashCode(tag);
}
