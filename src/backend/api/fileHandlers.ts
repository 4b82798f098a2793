import type { FileWatches } from '../files/fileWatches';
import type { WorkspaceFiles } from '../files/workspaceFiles';
import type { Handlers } from './handlers';

type FileEndpoint = 'statFile' | 'listDirectory' | 'readFile' | 'writeFile' | 'createDirectory' | 'deleteFile' | 'renameFile' | 'watchFiles';

/** The handlers of a workspace's files: each runs as the workspace user in its container (backend/files). */
export function createFileHandlers(files: WorkspaceFiles, watches: FileWatches): Pick<Handlers, FileEndpoint> {
  return {
    statFile: async ({ params, query }) => {
      const info = await files.stat(params.name, query.path);
      return { type: info.type, symlink: info.symlink, size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, writable: info.writable };
    },
    listDirectory: async ({ params, query }) => ({
      entries: (await files.list(params.name, query.path)).map(({ name, type, symlink }) => ({ name, type, symlink })),
    }),
    readFile: ({ params, query }) => files.read(params.name, query.path),
    writeFile: ({ params, query, body }) =>
      files.write(params.name, query.path, body, { create: query.create === 'true', overwrite: query.overwrite === 'true' }),
    createDirectory: async ({ params, body }) => {
      await files.createDirectory(params.name, body.path);
      return { created: body.path };
    },
    deleteFile: async ({ params, body }) => {
      await files.delete(params.name, body.path, body.recursive);
      return { deleted: body.path };
    },
    renameFile: async ({ params, body }) => {
      await files.rename(params.name, body.from, body.to, body.overwrite);
      return { renamed: body.to };
    },
    watchFiles: async ({ params, query }, sink) => {
      const stop = await watches.watch(params.name, query.path, query.recursive === 'true', {
        onWatching: (mechanism) => sink.send({ type: 'watching', mechanism }),
        onChanges: (changes) => sink.send({ type: 'changes', changes }),
        onTruncated: (limit) =>
          sink.send({ type: 'truncated', limit, message: `only the first ${limit} entries under ${query.path} are watched; watch a smaller folder.` }),
        onEnd: (error) => {
          sink.send({ type: 'ended', message: error.message });
          sink.end();
        },
      });
      sink.onClose(stop);
    },
  };
}
