/**
 * Reasoning in the shapes providers send it, beyond a plain text field: `<think>…</think>` inside
 * the content (models served raw by Ollama, llama.cpp, LM Studio, Together's DeepSeek-R1), and
 * OpenRouter's `reasoning_details` pieces, which must go back consolidated, exactly as received.
 */
import type { JsonObject } from 'aurora';

const OPEN = '<think>';
const CLOSE = '</think>';

/** One piece of content, split: what is reasoning and what is the answer. */
export interface SplitPiece {
  reasoning: string;
  text: string;
}

/**
 * Splits streamed content into reasoning (inside `<think>…</think>`) and text. A tag may be cut
 * across chunks, so a suffix that could start a tag is held back until the next chunk decides it;
 * nothing else is held. Only a think block at the very start of the answer (after whitespace) is
 * reasoning: a model that writes `<think>` later in its answer is quoting it.
 */
export class ThinkTagSplitter {
  private state: 'start' | 'opened' | 'thinking' | 'after' | 'text' = 'start';
  private held = '';

  push(chunk: string): SplitPiece {
    if (this.state === 'text') return { reasoning: '', text: chunk };
    let input = this.held + chunk;
    this.held = '';
    let reasoning = '';
    let text = '';
    for (;;) {
      if (this.state === 'start') {
        const trimmed = input.trimStart();
        if (trimmed === '' || (OPEN.startsWith(trimmed) && trimmed !== OPEN)) {
          this.held = input; // whitespace or the start of a tag: the next chunk decides
          break;
        }
        if (trimmed.startsWith(OPEN)) {
          this.state = 'opened';
          input = trimmed.slice(OPEN.length);
        } else {
          this.state = 'text';
        }
      } else if (this.state === 'opened') {
        // The line break models put after `<think>` is not reasoning.
        input = input.trimStart();
        if (input === '') break;
        this.state = 'thinking';
      } else if (this.state === 'thinking') {
        const end = input.indexOf(CLOSE);
        if (end === -1) {
          // Held back: what could start `</think>`, and trailing whitespace (it may be the one before it).
          const partial = partialSuffix(input, CLOSE);
          const before = input.slice(0, input.length - partial);
          const keep = partial + before.length - before.trimEnd().length;
          reasoning += input.slice(0, input.length - keep);
          this.held = input.slice(input.length - keep);
          break;
        }
        reasoning += input.slice(0, end).trimEnd();
        input = input.slice(end + CLOSE.length);
        this.state = 'after';
      } else if (this.state === 'after') {
        // The blank line models put after the block is not part of the answer.
        input = input.trimStart();
        if (input === '') break;
        this.state = 'text';
      } else {
        text += input;
        break;
      }
    }
    return { reasoning, text };
  }

  /** What is still held at the end of the stream. */
  flush(): SplitPiece {
    const rest = this.held;
    this.held = '';
    if (this.state === 'thinking' || this.state === 'opened') return { reasoning: rest.trim(), text: '' };
    return { reasoning: '', text: this.state === 'start' ? rest.trimStart() : rest };
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialSuffix(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) if (tag.startsWith(text.slice(text.length - n))) return n;
  return 0;
}

/** A whole (non-stream) content: its leading think block and the answer. */
export function splitThinkTags(content: string): SplitPiece {
  const splitter = new ThinkTagSplitter();
  const a = splitter.push(content);
  const b = splitter.flush();
  return { reasoning: a.reasoning + b.reasoning, text: a.text + b.text };
}

/**
 * `reasoning_details` pieces merged per `index`: text and summary concatenated, the last
 * signature, id and format kept; encrypted blocks keep their last whole `data`. Pieces without
 * data of an encrypted block are dropped (sending them back fails OpenRouter's validation).
 */
export function consolidateDetails(pieces: JsonObject[]): JsonObject[] {
  const byIndex = new Map<number, JsonObject>();
  for (const piece of pieces) {
    if (!piece || typeof piece !== 'object') continue;
    if (piece.type === 'reasoning.encrypted' && !piece.data) continue;
    const index = typeof piece.index === 'number' ? piece.index : 0;
    const merged = byIndex.get(index);
    if (!merged || merged.type !== piece.type) {
      // A new block, or another type at the same index (rare): the newer one stands for the index.
      byIndex.set(index, { ...piece, index });
      continue;
    }
    for (const [key, value] of Object.entries(piece)) {
      if (value === null || value === undefined) continue;
      if ((key === 'text' || key === 'summary') && typeof value === 'string') merged[key] = (typeof merged[key] === 'string' ? merged[key] : '') + value;
      else merged[key] = value;
    }
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, detail]) => detail);
}

/** The readable text of reasoning details (shown as the reasoning summary when no text field came). */
export function detailsText(details: unknown): string {
  if (!Array.isArray(details)) return '';
  let text = '';
  for (const d of details) {
    if (d?.type === 'reasoning.text' && typeof d.text === 'string') text += d.text;
    else if (d?.type === 'reasoning.summary' && typeof d.summary === 'string') text += d.summary;
  }
  return text;
}
