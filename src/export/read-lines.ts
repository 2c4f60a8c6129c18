/**
 * Split a stream of UTF-8 bytes (or strings) into lines, without holding
 * more than one line and one chunk.
 *
 * @packageDocumentation
 */
import { TextDecoder } from 'node:util';
import { RunStateError } from '../errors.js';

/** One line of text and its 1-based number. */
export interface NumberedLine {
  readonly text: string;
  readonly number: number;
}

/**
 * The lines of `source`, split on `\n` (a `\r` before it is dropped). A
 * final line without `\n` is yielded too; an empty final line is not.
 *
 * @throws `E_INVALID_IMPORT` for bytes that are not valid UTF-8
 */
export async function* readLines(
  source: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
): AsyncGenerator<NumberedLine, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let number = 0;
  for await (const chunk of source) {
    pending += typeof chunk === 'string' ? chunk : decode(decoder, chunk, true);
    let end = pending.indexOf('\n');
    let start = 0;
    while (end >= 0) {
      number += 1;
      yield { text: stripCr(pending.slice(start, end)), number };
      start = end + 1;
      end = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  }
  pending += decode(decoder, new Uint8Array(0), false);
  if (pending !== '') yield { text: stripCr(pending), number: number + 1 };
}

const stripCr = (line: string): string =>
  line.endsWith('\r') ? line.slice(0, -1) : line;

function decode(decoder: TextDecoder, bytes: Uint8Array, stream: boolean) {
  try {
    return decoder.decode(bytes, { stream });
  } catch (error) {
    throw new RunStateError('E_INVALID_IMPORT', 'the file is not UTF-8', {
      cause: error,
      details: { path: '$', reason: 'not UTF-8' },
    });
  }
}
