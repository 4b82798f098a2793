import { randomBytes } from 'node:crypto';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A workspace's `drydock` command as a file on this machine, bind-mounted
 * read-only into its container on every build: the new container has it from
 * its first moment, with no archive put into it (one less engine round trip
 * on a rebuild's critical path). It lives beside the control folders, never
 * in one: the container controls what is in those.
 */
export function commandFilePath(root: string, workspace: string): string {
  // A workspace name is a DNS label (no dot), so `<name>.drydock` never collides with a control folder.
  return join(root, `${workspace}.drydock`);
}

/** Writes the command whole (a new file renamed into place): a container that has the last one mounted keeps it unchanged. */
export async function writeCommandFile(root: string, workspace: string, script: string): Promise<string> {
  const path = commandFilePath(root, workspace);
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, script, { mode: 0o755, flag: 'wx' });
    // The file mode is masked by the umask: the workspace user, whoever they are, must be able to run it.
    await chmod(temporary, 0o755);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return path;
}

export async function removeCommandFile(root: string, workspace: string): Promise<void> {
  await rm(commandFilePath(root, workspace), { force: true });
}
