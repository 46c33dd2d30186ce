import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chunkSource } from './chunk-source.ts';

const text = (chunks: Array<Uint8Array | null>) => Buffer.concat(chunks.filter((c): c is Uint8Array => c !== null)).toString();

async function readAll(source: ReturnType<typeof chunkSource>): Promise<string> {
  const out: Uint8Array[] = [];
  for (let c = await source.next(); c !== null; c = await source.next()) out.push(c);
  return text(out);
}

describe('chunkSource', () => {
  it('reads a node stream and a web stream to the end', async () => {
    expect(await readAll(chunkSource(Readable.from([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')])))).toBe('abc');
    const web = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(Buffer.from('x')); c.enqueue(Buffer.from('y')); c.close(); } });
    expect(await readAll(chunkSource(web))).toBe('xy');
  });

  it('fails a node stream that closes before its end, and one that errors', async () => {
    const cut = new PassThrough();
    const source = chunkSource(cut);
    cut.write('part');
    expect(text([await source.next()])).toBe('part');
    cut.destroy();
    await expect(source.next()).rejects.toThrow('closed the connection before the response finished');
    const broken = new PassThrough();
    const failing = chunkSource(broken);
    broken.destroy(new Error('ECONNRESET'));
    await expect(failing.next()).rejects.toThrow('ECONNRESET');
  });

  it('fails a read that waits past the idle limit and releases the upstream', async () => {
    const silent = new PassThrough();
    const source = chunkSource(silent, { ms: 20, error: () => new Error('idle for 20 ms') });
    silent.write('first');
    expect(text([await source.next()])).toBe('first');
    await expect(source.next()).rejects.toThrow('idle for 20 ms');
    expect(silent.destroyed).toBe(true);
  });
});
