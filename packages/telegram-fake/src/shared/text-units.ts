// Telegram counts text length in Unicode code points, reports parse errors at UTF-8 byte offsets,
// and places entities at UTF-16 code unit offsets. These helpers keep the three apart.

export const codePointLength = (text: string): number => {
  let length = 0;
  for (const _ of text) length += 1;
  return length;
};

export const utf8ByteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The UTF-8 byte offset of a UTF-16 index into text. */
export const byteOffsetAt = (text: string, utf16Index: number): number =>
  Buffer.byteLength(text.slice(0, utf16Index), 'utf8');

const WHITESPACE = /\s/u;

/** Leading and trailing whitespace, in UTF-16 units, as Telegram strips it from messages. */
export const whitespaceAround = (text: string): { leading: number; trailing: number } => {
  let leading = 0;
  while (leading < text.length && WHITESPACE.test(text.charAt(leading))) leading += 1;
  let trailing = 0;
  while (
    trailing < text.length - leading &&
    WHITESPACE.test(text.charAt(text.length - 1 - trailing))
  )
    trailing += 1;
  return { leading, trailing };
};
