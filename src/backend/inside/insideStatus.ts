import { busyText, heldFor } from '../../core/busy';
import { formatDuration } from '../../core/duration';
import type { Policy } from '../../core/policy';
import type { AutoOffManager } from '../autooff/autoOffManager';
import type { WorkspaceService } from '../workspaces/workspaceService';
import { LEASE_TTL_MS } from './keepalivePipes';

export interface StatusSources {
  service: WorkspaceService;
  autoOff: AutoOffManager;
  policy: () => Policy;
}

/** What `drydock status` prints inside a workspace: state, time left, what the policy allows, and who holds it busy. `at` shows a time in the caller's zone. */
export function insideStatusLines(sources: StatusSources, name: string, now: number, at: (ms: number) => string): string[] {
  const snapshot = sources.service.snapshot(name);
  const status = sources.autoOff.status(snapshot.record);
  const { autoOff } = sources.policy();
  const lines = [`Workspace:   ${name} (${snapshot.state})`];
  if (status.deadline !== undefined) lines.push(`Time left:   ${heldFor(status.deadline - now)} (stops at ${at(status.deadline)} without activity)`);
  const { effective } = status;
  const threshold = effective.thresholdMs === 'off' ? 'off' : formatDuration(effective.thresholdMs);
  lines.push(`Auto-off:    ${threshold} without activity (${effective.source}${effective.locked ? `, locked: ${effective.lockedReason ?? 'by policy'}` : ''})`);
  lines.push(
    `Extend:      ${autoOff.maxExtensionMs !== undefined ? `by at most ${formatDuration(autoOff.maxExtensionMs)} at a time` : 'by any amount'} (drydock extend 2h, drydock extend --until 18:30)`,
  );
  lines.push(
    `Keepalive:   leases renewed every ${formatDuration(Math.min(LEASE_TTL_MS, autoOff.maxLeaseMs ?? LEASE_TTL_MS) / 3)} (maxLease ${autoOff.maxLeaseMs !== undefined ? formatDuration(autoOff.maxLeaseMs) : 'none'})`,
  );
  for (const lease of status.busy)
    lines.push(`Busy:        ${busyText(lease.holder, lease.since, now).slice('busy: '.length)}${lease.pipe ? '' : ' (from outside)'}`);
  return lines;
}
