import { describe, expect, it } from 'vitest';
import { makeRecord } from '../../record/test-record.ts';
import { summaryOf } from '../filters.ts';
import { escapeLike, filterConditions, indexColumnsOf, INDEX_COLUMNS, INDEX_TYPES, Params, toText } from './query.ts';

describe('filters as SQL', () => {
  it('binds every value as a parameter, in order', () => {
    const params = new Params();
    const where = filterConditions({ from: 1, to: 2, model: 'gpt-4.1', provider: 'openai', status: '4xx', principal: 'u1', outcome: 'error', stream: true }, params);
    expect(where).toEqual(['time >= $1', 'time < $2', 'model = $3', 'provider = $4', 'status >= $5 AND status < $6', 'principal = $7', 'outcome = $8', 'stream = $9']);
    expect(params.values).toEqual([1, 2, 'gpt-4.1', 'openai', 400, 500, 'u1', 'error', true]);
  });

  it('turns a model glob into LIKE and each search word into a substring match, escaping LIKE’s own characters', () => {
    const params = new Params();
    const where = filterConditions({ model: 'deep_seek-*%', q: '  100% C:\\Temp  ', status: 429 }, params, ['req_a']);
    expect(where).toEqual(['model LIKE $1', 'status = $2', 'search LIKE $3', 'search LIKE $4', 'NOT (id = ANY($5::text[]))']);
    expect(params.values).toEqual(['deep\\_seek-%\\%', 429, '%100\\%%', '%c:\\\\temp%', ['req_a']]);
  });

  it('no filter, no condition', () => {
    expect(filterConditions({}, new Params())).toEqual([]);
    expect(filterConditions({ q: '   ' }, new Params())).toEqual([]);
  });

  it('replaces NUL (which PostgreSQL text cannot hold) the same way in stored and searched text', () => {
    expect(toText('a\u0000b')).toBe('a\uFFFDb');
    expect(toText(null)).toBeNull();
    expect(escapeLike('50%_\\')).toBe('50\\%\\_\\\\');
    const params = new Params();
    filterConditions({ q: 'x\u0000y' }, params);
    expect(params.values).toEqual(['%x\uFFFDy%']);
  });

  it('index columns match their declared names and types', () => {
    const record = makeRecord({ principal: null, usage: null });
    const row = indexColumnsOf(summaryOf(record));
    expect(row).toHaveLength(INDEX_COLUMNS.length);
    expect(INDEX_TYPES).toHaveLength(INDEX_COLUMNS.length);
    expect(row).toEqual([record.id, record.time, 'gpt-4.1-mini', 'openai', 200, null, 'ok', false, null, null, null, null, null, false]);
  });
});
