import { randomBytes, randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readImageSize } from './image-size.ts';
import { extensionOf } from './mime.ts';

export type FileKind = 'video' | 'audio' | 'document' | 'photo' | 'thumbnail';

export interface StoredFile {
  fileId: string;
  fileUniqueId: string;
  kind: FileKind;
  size: number;
  /** Where the bytes are on this machine. */
  localPath: string;
  /** What getFile returns; the file downloads from /file/bot<token>/<filePath>. */
  filePath: string;
  fileName?: string;
  mimeType?: string;
  width?: number;
  height?: number;
  /** Media attributes from the first send (duration, performer...), reused when re-sent by id. */
  attributes?: MediaAttributes;
}

export interface MediaAttributes {
  width?: number;
  height?: number;
  duration?: number;
  performer?: string;
  title?: string;
}

export interface NewFileInfo {
  kind: FileKind;
  size: number;
  fileName?: string;
  mimeType?: string;
}

// Folders and file_id openings as the Bot API hands them out, so ids look familiar in logs.
const FOLDERS: Record<FileKind, string> = {
  video: 'videos',
  audio: 'music',
  document: 'documents',
  photo: 'photos',
  thumbnail: 'thumbnails',
};
const DEFAULT_EXTENSIONS: Record<FileKind, string> = {
  video: '.mp4',
  audio: '.mp3',
  document: '',
  photo: '.jpg',
  thumbnail: '.jpg',
};
const FILE_ID_OPENINGS: Record<FileKind, string> = {
  video: 'BAACAgIAAxkDAAI',
  audio: 'CQACAgIAAxkDAAI',
  document: 'BQACAgIAAxkDAAI',
  photo: 'AgACAgIAAxkDAAI',
  thumbnail: 'AAMCAgADGQMAAI',
};

const FILE_ID_SHAPE = /^[A-Za-z0-9_-]{16,}$/;

/** Every file the fake received or handed out, kept on disk under one directory. */
export class FileStore {
  readonly directory: string;
  readonly #owned: boolean;
  readonly #byId = new Map<string, StoredFile>();
  readonly #byPath = new Map<string, StoredFile>();
  #counter = 0;

  private constructor(directory: string, owned: boolean) {
    this.directory = directory;
    this.#owned = owned;
  }

  /** Opens a store in `directory`, or in a fresh temporary directory removed by close(). */
  static async open(directory?: string): Promise<FileStore> {
    const root = directory ?? (await mkdtemp(join(tmpdir(), 'telegram-fake-')));
    await mkdir(join(root, 'incoming'), { recursive: true });
    return new FileStore(root, directory === undefined);
  }

  /** A fresh path for bytes still arriving. */
  newIncomingPath(): string {
    return join(this.directory, 'incoming', randomUUID());
  }

  async adopt(incomingPath: string, info: NewFileInfo): Promise<StoredFile> {
    const extension =
      (info.fileName ? extensionOf(info.fileName) : '') || DEFAULT_EXTENSIONS[info.kind];
    const filePath = `${FOLDERS[info.kind]}/file_${this.#counter}${extension}`;
    this.#counter += 1;
    const localPath = join(this.directory, 'files', filePath);
    await mkdir(dirname(localPath), { recursive: true });
    await rename(incomingPath, localPath);
    const dimensions =
      info.kind === 'photo' || info.kind === 'thumbnail'
        ? await readImageSize(localPath)
        : undefined;
    const stored: StoredFile = {
      fileId: FILE_ID_OPENINGS[info.kind] + randomBytes(42).toString('base64url'),
      fileUniqueId: 'AgAD' + randomBytes(9).toString('base64url'),
      kind: info.kind,
      size: info.size,
      localPath,
      filePath,
      ...(info.fileName === undefined ? {} : { fileName: info.fileName }),
      ...(info.mimeType === undefined ? {} : { mimeType: info.mimeType }),
      ...(dimensions ?? {}),
    };
    this.#byId.set(stored.fileId, stored);
    this.#byPath.set(stored.filePath, stored);
    return stored;
  }

  async storeBytes(content: Uint8Array, info: Omit<NewFileInfo, 'size'>): Promise<StoredFile> {
    const incoming = this.newIncomingPath();
    await writeFile(incoming, content);
    return this.adopt(incoming, { ...info, size: content.byteLength });
  }

  async storeCopy(sourcePath: string, info: NewFileInfo): Promise<StoredFile> {
    const incoming = this.newIncomingPath();
    await copyFile(sourcePath, incoming);
    return this.adopt(incoming, info);
  }

  find(fileId: string): StoredFile | undefined {
    return this.#byId.get(fileId);
  }

  findByFilePath(filePath: string): StoredFile | undefined {
    return this.#byPath.get(filePath);
  }

  looksLikeFileId(value: string): boolean {
    return FILE_ID_SHAPE.test(value);
  }

  async discard(incomingPath: string): Promise<void> {
    await rm(incomingPath, { force: true });
  }

  async close(): Promise<void> {
    if (this.#owned) await rm(this.directory, { recursive: true, force: true });
  }
}
