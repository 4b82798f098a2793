import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { DrydockError, errorMessage } from '../../core/errors';
import type { AutoOffManager } from '../autooff/autoOffManager';
import type { ControlFolder } from './controlFolder';

/** What a keepalive asks for; the policy's maxLease caps it. Renewed every third of it. */
export const LEASE_TTL_MS = 2 * 60_000;
/** Keepalive pipes one workspace may hold at once. */
const MAX_PIPES = 32;

/**
 * The busy leases `drydock keepalive` holds from inside one workspace. Each
 * is tied to a FIFO in the control folder that the holder keeps open: its
 * end (however the holder died) ends the lease at once, so a lease never
 * outlives the process that asked for it.
 */
export class KeepalivePipes {
  /** Open pipes by lease id. */
  private readonly pipes = new Map<string, { name: string; socket: Socket }>();
  /** Pipes whose lease is being granted right now (not to be adopted as a restored lease meanwhile). */
  private readonly granting = new Set<string>();
  private closed = false;

  constructor(
    private readonly name: string,
    private readonly folder: ControlFolder,
    private readonly autoOff: AutoOffManager,
    private readonly log: (message: string) => void,
  ) {}

  /** The pipe names in use, which the folder's sweep must leave alone. */
  inUse(): Set<string> {
    return new Set([...this.pipes.values()].map((pipe) => pipe.name));
  }

  /** A lease for `holder` while `pipe` stays open; the pipe is checked (a pipe, held open) before the lease exists. */
  hold(holder: string, pipe: string): { leaseId: string; ttlMs: number } {
    if (this.pipes.size >= MAX_PIPES) throw new DrydockError('busy', `${this.name} already has ${MAX_PIPES} keepalives; end some first.`);
    const fd = this.folder.openPipe(pipe);
    this.granting.add(pipe);
    try {
      const granted = this.autoOff.hold(this.name, holder, LEASE_TTL_MS, pipe);
      this.attach(granted.leaseId, pipe, fd);
      return granted;
    } catch (error) {
      closeSync(fd);
      throw error;
    } finally {
      this.granting.delete(pipe);
    }
  }

  release(leaseId: string): void {
    this.detach(leaseId);
    this.autoOff.release(this.name, leaseId);
  }

  /**
   * Leases from inside that this backend holds no pipe for (restored after a
   * restart): a holder still alive keeps its lease, renewed on its behalf
   * (the open pipe is proof of life); one that died releases it.
   */
  adopt(): void {
    for (const lease of this.autoOff.leases(this.name)) {
      if (!lease.pipe || this.pipes.has(lease.id) || this.granting.has(lease.pipe)) continue;
      try {
        this.attach(lease.id, lease.pipe, this.folder.openPipe(lease.pipe));
        this.autoOff.renew(this.name, lease.id, LEASE_TTL_MS);
      } catch {
        this.autoOff.release(this.name, lease.id);
      }
    }
  }

  /** Lets go of every pipe without ending the leases (the workspace stopped, or the backend is closing). */
  close(): void {
    this.closed = true;
    for (const leaseId of [...this.pipes.keys()]) this.detach(leaseId);
  }

  private attach(leaseId: string, pipe: string, fd: number): void {
    const socket = new Socket({ fd, readable: true, writable: false });
    this.pipes.set(leaseId, { name: pipe, socket });
    // Whatever the holder writes is dropped; its end (however it died) ends the lease at once.
    socket.resume();
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.pipes.get(leaseId)?.socket !== socket) return;
      this.pipes.delete(leaseId);
      if (this.closed) return;
      try {
        this.autoOff.release(this.name, leaseId);
      } catch (error) {
        this.log(`inside ${this.name}: releasing the lease of a keepalive that ended: ${errorMessage(error)}`);
      }
    });
  }

  private detach(leaseId: string): void {
    const held = this.pipes.get(leaseId);
    this.pipes.delete(leaseId);
    held?.socket.destroy();
  }
}
