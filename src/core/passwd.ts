import { DrydockError } from './errors';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Parses /etc/passwd text, skipping comments and malformed lines (an image's file is not ours to reject). */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, , uid, gid, , home, shell] = line.split(':');
    // Number('') is 0: an empty uid or gid must not pass for root.
    if (!name || !/^\d+$/.test(uid ?? '') || !/^\d+$/.test(gid ?? '')) continue;
    entries.push({ name, uid: Number(uid), gid: Number(gid), home: home ?? '', shell: shell ?? '' });
  }
  return entries;
}

/**
 * The workspace user: the one asked for, else the image's USER (a name or a
 * uid, optionally `:group`), looked up in the image's /etc/passwd.
 */
export function resolveWorkspaceUser(options: { requested: string | undefined; imageUser: string; passwd: PasswdEntry[]; image: string }): PasswdEntry {
  const { requested, passwd, image } = options;
  if (requested !== undefined) {
    const entry = passwd.find((candidate) => candidate.name === requested);
    if (!entry) {
      throw new DrydockError(
        'user_missing',
        `user: "${requested}" does not exist in image ${image}'s /etc/passwd; pick a user the image defines (${describe(passwd)}) or add it to the image.`,
        'user',
      );
    }
    if (entry.uid === 0) {
      throw new DrydockError(
        'user_missing',
        `user: "${requested}" is root (uid 0) in image ${image}; give a non-root user with --user (${describe(passwd)}).`,
        'user',
      );
    }
    return entry;
  }
  const imageUser = options.imageUser.split(':')[0] ?? '';
  if (imageUser === '' || imageUser === 'root' || imageUser === '0') {
    throw new DrydockError(
      'user_missing',
      `user: image ${image} runs as root and names no USER; give a user with --user (${describe(passwd)}) or set USER in the image.`,
      'user',
    );
  }
  const entry = /^\d+$/.test(imageUser)
    ? passwd.find((candidate) => candidate.uid === Number(imageUser))
    : passwd.find((candidate) => candidate.name === imageUser);
  if (!entry) {
    throw new DrydockError(
      'user_missing',
      `user: image ${image} sets USER ${imageUser}, which its /etc/passwd does not define; give a user with --user or fix the image.`,
      'user',
    );
  }
  if (entry.uid === 0) {
    throw new DrydockError('user_missing', `user: image ${image}'s USER ${imageUser} is root; give a non-root user with --user.`, 'user');
  }
  return entry;
}

function describe(passwd: PasswdEntry[]): string {
  const people = passwd.filter((entry) => entry.uid >= 1000 && entry.uid < 65534).map((entry) => entry.name);
  return people.length > 0 ? `it has: ${people.join(', ')}` : 'it defines no regular users';
}
