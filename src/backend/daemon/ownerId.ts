import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { BackendLocations } from '../../api/locations';

/**
 * The id this backend labels its containers and volumes with, so that two
 * backends on one engine (two users of a shared Docker host, two state
 * folders, a CI job) never touch each other's objects. It is the first 16 hex
 * digits of SHA-256 over the user's uid and the real path of the state
 * folder: stable across restarts and upgrades, different for each user and
 * each state folder, and it says nothing about either.
 */
export function ownerIdOf(locations: BackendLocations, uid: number = userInfo().uid): string {
  let stateDir = locations.stateDir;
  try {
    stateDir = realpathSync(stateDir);
  } catch {
    // Not created yet: the path as resolved is what a later start resolves too.
  }
  return createHash('sha256').update(`${uid}\0${stateDir}`).digest('hex').slice(0, 16);
}
