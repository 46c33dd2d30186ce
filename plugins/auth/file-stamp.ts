import { stat } from 'node:fs/promises';

/**
 * What identifies a version of a file another process may rewrite (the CLI, another worker):
 * inode, mtime and size, or `missing`. A changed stamp means re-read it; lowdb's atomic writes
 * replace the inode, so a rewrite within the same millisecond is still seen.
 */
export async function fileStamp(file: string): Promise<string> {
  try {
    const s = await stat(file);
    return `${s.ino}:${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}
