/**
 * lowdb's JSON adapter without the indentation: index files are rewritten on every flush, and
 * pretty-printing a 1,000-entry file cost about a third more time and bytes for nobody to read.
 * Indented files written by earlier versions read the same.
 */
import { DataFile } from 'lowdb/node';

export function compactJsonFile<T>(file: string): DataFile<T> {
  return new DataFile<T>(file, { parse: JSON.parse, stringify: (data) => JSON.stringify(data) });
}
