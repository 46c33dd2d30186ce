/** Shared by the audit suites: synthetic records (the plugin's own factory), temp dirs, reading a store's files back. */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export { makeRecord } from '../../plugins/audit/record/test-record.ts';

export async function tempDir(prefix = 'aurora-audit-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Every byte the store keeps, as text: index files as they are, body files decompressed. */
export async function readStoreText(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const bytes = await readFile(file);
    parts.push(entry.name.endsWith('.gz') && bytes.length ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8'));
  }
  return parts.join('\n');
}

/** The files in `dir/sub`, sorted; `ext` keeps only those ending so. */
export async function listFiles(dir: string, sub: string, ext = ''): Promise<string[]> {
  return (await readdir(join(dir, sub))).filter((f) => f.endsWith(ext)).sort();
}

export const DAY = 86_400_000;
