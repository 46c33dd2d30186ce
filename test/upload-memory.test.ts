/**
 * An upload is passed on as it arrives, not held: `node core` (a child process, as users run it)
 * takes a 160 MB transcription upload — far over its 1 MiB body limit — and its peak resident
 * memory (VmHWM, Linux) grows by a fraction of that while every byte reaches the emulated upstream.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from 'aurora/testing';
import { MASTER_KEY, buildIfStale, startCore, writePassthroughConfig, type RunningCore } from './helpers.ts';

const FILE_BYTES = 160 * 1024 * 1024;
const WARM_UP_BYTES = 48 * 1024 * 1024;
const CHUNK = 256 * 1024;

let mock: MockUpstream;
let core: RunningCore;
let dir: string;

beforeAll(async () => {
  buildIfStale();
  mock = await startMockUpstream({ apiKey: 'sk-upstream-secret-0123456789' });
  const config = await writePassthroughConfig(mock, { server: { bodyLimit: 1024 * 1024, uploadLimit: 256 * 1024 * 1024 } });
  dir = config.dir;
  core = await startCore(['--config', config.file], { AURORA_MASTER_KEY: MASTER_KEY });
}, 60_000);
afterAll(async () => {
  core?.child.kill('SIGTERM');
  await core?.exited;
  await mock?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Peak resident set size of a process, in bytes (Linux /proc). */
function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error('no VmHWM in /proc: this check needs Linux');
  return Number(kb) * 1024;
}

/** A multipart form generated as it is sent: the test holds one chunk at a time too. */
function streamedForm(boundary: string, size: number, hash: ReturnType<typeof createHash>): Readable {
  async function* parts() {
    yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="long.wav"\r\nContent-Type: audio/wav\r\n\r\n`);
    for (let sent = 0; sent < size; sent += CHUNK) {
      const chunk = Buffer.alloc(CHUNK, (sent / CHUNK) % 251);
      hash.update(chunk);
      yield chunk;
    }
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  return Readable.from(parts());
}

/** A transcription upload of `size` bytes through the gateway; what the upstream said it heard. */
async function transcribe(size: number): Promise<void> {
  const boundary = 'aurora-upload-boundary';
  const hash = createHash('sha256');
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(`${core.url}/v1/audio/transcriptions`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': `multipart/form-data; boundary=${boundary}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode!, text: body }));
    });
    req.on('error', reject);
    streamedForm(boundary, size, hash).pipe(req);
  });
  expect(status, text).toBe(200);
  expect(JSON.parse(text).text).toBe(`Heard ${size} bytes (sha256 ${hash.digest('hex')}).`);
}

describe('uploads are streamed', { timeout: 120_000 }, () => {
  it('160 MB through a gateway whose body limit is 1 MiB: every byte arrives, and its peak memory barely moves', async () => {
    const pid = core.child.pid!;
    // A first upload warms what any request warms (modules, compiled code, socket buffers, heap).
    await transcribe(WARM_UP_BYTES);
    const before = peakRss(pid);
    await transcribe(FILE_BYTES);
    // Held whole, the file would add its 160 MB; streamed, the peak stays where the warm-up left it.
    expect(peakRss(pid) - before).toBeLessThan(FILE_BYTES / 8);
  });
});
