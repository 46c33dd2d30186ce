import type { MockReply, RecordedRequest } from './types.ts';

// FIFO of scripted replies. A reply with `match` is only given to a request it accepts;
// the first usable reply in queue order wins, so unrelated requests don't eat the script.
export class ReplyQueue {
  private readonly items: MockReply[] = [];

  push(...replies: MockReply[]): void {
    this.items.push(...replies);
  }

  take(request: RecordedRequest): MockReply | undefined {
    const index = this.items.findIndex((reply) => accepts(reply, request));
    return index === -1 ? undefined : this.items.splice(index, 1)[0];
  }

  get size(): number {
    return this.items.length;
  }

  clear(): void {
    this.items.length = 0;
  }
}

function accepts(reply: MockReply, request: RecordedRequest): boolean {
  if (!reply.match) return true;
  try {
    return reply.match(request);
  } catch {
    return false; // a predicate that throws on an unexpected body simply does not match
  }
}
