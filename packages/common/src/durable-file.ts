// Files that must survive a crash or power loss as a whole: written to a temporary file,
// synced, renamed over the old one, and the directory synced so that the rename stays.
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync of a directory, so that a file created, renamed or removed in it stays so. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  }
}

/**
 * After `mkdir(dir, { recursive: true })` returned `firstCreated` (the topmost directory it
 * made, or undefined) and something was created in dir: syncs dir, every directory created on
 * the way, and the one holding the topmost, so all the new names survive a power loss.
 */
export async function syncCreatedDirs(dir: string, firstCreated: string | undefined): Promise<void> {
  for (let d = dir; ; d = dirname(d)) {
    await syncDir(d);
    if (firstCreated === undefined || d === firstCreated || dirname(d) === d) break;
  }
  if (firstCreated !== undefined) await syncDir(dirname(firstCreated));
}

/** Replaces `path` with `text`: the old content or the new, never a torn mix, once this resolves. */
export async function writeFileDurably(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await syncDir(dirname(path));
}
