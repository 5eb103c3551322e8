import { open } from 'node:fs/promises';

/**
 * The top-level box types of an MP4/MOV file, in file order (reads only box headers).
 * Stops after `maxBoxes` or at the first malformed header.
 */
export async function readTopLevelBoxes(path: string, maxBoxes = 64): Promise<string[]> {
  const file = await open(path, 'r');
  try {
    const { size: fileSize } = await file.stat();
    const header = Buffer.alloc(16);
    const types: string[] = [];
    let offset = 0;
    while (offset + 8 <= fileSize && types.length < maxBoxes) {
      const { bytesRead } = await file.read(header, 0, 16, offset);
      if (bytesRead < 8) break;
      let boxSize = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (boxSize === 1) {
        if (bytesRead < 16) break;
        boxSize = Number(header.readBigUInt64BE(8));
      } else if (boxSize === 0) {
        boxSize = fileSize - offset;
      }
      if (boxSize < 8 || !/^[\x20-\x7e]{4}$/.test(type)) break;
      types.push(type);
      offset += boxSize;
    }
    return types;
  } finally {
    await file.close();
  }
}

/** True when the movie header comes before the media data, so playback can start at once. */
export function isFastStart(boxTypes: readonly string[]): boolean {
  const moov = boxTypes.indexOf('moov');
  const mdat = boxTypes.indexOf('mdat');
  const moof = boxTypes.indexOf('moof');
  if (moov === -1) return false;
  const firstMedia = [mdat, moof].filter((i) => i !== -1);
  return firstMedia.length === 0 || moov < Math.min(...firstMedia);
}
