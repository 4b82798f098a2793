// The wire types of a workspace's files (the drydock: file system): what the
// file endpoints answer and what a file watch streams.

/** A file in a workspace, as its user sees it. Times are milliseconds since the epoch, as file systems count them. */
export interface FileStatView {
  /** What the path is; for a symlink, what it points to ("other": a device, a fifo, a dangling link). */
  type: 'file' | 'directory' | 'other';
  symlink: boolean;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** Whether the workspace user may write it. */
  writable: boolean;
}

export interface DirectoryEntryView {
  name: string;
  type: 'file' | 'directory' | 'other';
  symlink: boolean;
}

export interface FileWatchChangeView {
  type: 'created' | 'changed' | 'deleted';
  path: string;
}

/**
 * The events of a file watch: how it watches (inotify, or polling where the
 * image has no inotifywait), changes, a listing that hit its bound, or the
 * watch's end (the workspace stopped).
 */
export type FileWatchEvent =
  | { type: 'watching'; mechanism: 'inotify' | 'polling' }
  | { type: 'changes'; changes: FileWatchChangeView[] }
  | { type: 'truncated'; limit: number; message: string }
  | { type: 'ended'; message: string };
