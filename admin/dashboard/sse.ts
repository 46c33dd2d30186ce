/** A minimal SSE frame parser for the tail: complete frames out, the unfinished rest kept. */
export interface SseFrame {
  event: string | undefined;
  data: string;
}

export function parseSse(buffer: string): { events: SseFrame[]; rest: string } {
  const events: SseFrame[] = [];
  const text = buffer.replace(/\r\n|\r(?!$)/g, '\n');
  const frames = text.split('\n\n');
  const rest = frames.pop() ?? '';
  for (const frame of frames) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}
