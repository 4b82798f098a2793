import type Dockerode from 'dockerode';
import { dockerFailure, isNotFound } from './errors';
import { labelFilters } from './volumes';
import type { ContainerCreateSpec, ContainerInfo, FileChange, FileChangeKind } from './types';

export async function createContainer(docker: Dockerode, spec: ContainerCreateSpec): Promise<string> {
  try {
    const container = await docker.createContainer({
      name: spec.name,
      Image: spec.imageId,
      Labels: spec.labels,
      User: spec.user,
      WorkingDir: spec.workingDir,
      Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
      Entrypoint: spec.command.slice(0, 1),
      Cmd: spec.command.slice(1),
      HostConfig: {
        Init: true,
        Mounts: spec.mounts.map((mount) =>
          'bind' in mount
            ? { Type: 'bind', Source: mount.bind, Target: mount.target, ReadOnly: mount.readOnly === true }
            : { Type: 'volume', Source: mount.volume, Target: mount.target },
        ),
        ...(spec.nanoCpus !== undefined ? { NanoCpus: spec.nanoCpus } : {}),
        // Swap equal to memory: the limit the user asked for is the limit they get.
        ...(spec.memoryBytes !== undefined ? { Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes } : {}),
      },
    });
    return container.id;
  } catch (error) {
    throw dockerFailure(error, `creating container ${spec.name}`);
  }
}

export async function startContainer(docker: Dockerode, id: string): Promise<void> {
  try {
    await docker.getContainer(id).start();
  } catch (error) {
    throw dockerFailure(error, `starting container ${id.slice(0, 12)}`);
  }
}

/** SIGTERM, then SIGKILL after the grace period; an already stopped container is fine. */
export async function stopContainer(docker: Dockerode, id: string, graceSeconds: number): Promise<void> {
  try {
    await docker.getContainer(id).stop({ t: graceSeconds });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 304 || isNotFound(error)) return;
    throw dockerFailure(error, `stopping container ${id.slice(0, 12)}`);
  }
}

export async function removeContainer(docker: Dockerode, id: string): Promise<void> {
  try {
    // v: false keeps named volumes; only anonymous ones would go, and we make none.
    await docker.getContainer(id).remove({ force: true, v: false });
  } catch (error) {
    if (isNotFound(error)) return;
    throw dockerFailure(error, `removing container ${id.slice(0, 12)}`);
  }
}

export async function renameContainer(docker: Dockerode, id: string, name: string): Promise<void> {
  try {
    await docker.getContainer(id).rename({ name });
  } catch (error) {
    throw dockerFailure(error, `renaming container ${id.slice(0, 12)} to ${name}`);
  }
}

export async function inspectContainer(docker: Dockerode, idOrName: string): Promise<ContainerInfo | undefined> {
  try {
    const info = await docker.getContainer(idOrName).inspect();
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      labels: info.Config.Labels ?? {},
      imageId: info.Image,
      running: info.State.Running,
      status: info.State.Status,
      exitCode: info.State.ExitCode,
      ...(info.State.StartedAt ? { startedAt: info.State.StartedAt } : {}),
      nanoCpus: info.HostConfig.NanoCpus ?? 0,
      memoryBytes: info.HostConfig.Memory ?? 0,
      user: info.Config.User,
      env: envRecord(info.Config.Env ?? []),
      volumes: (info.Mounts ?? []).flatMap((mount) => (mount.Type === 'volume' && mount.Name ? [{ name: mount.Name, target: mount.Destination }] : [])),
    };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw dockerFailure(error, `inspecting container ${idOrName}`);
  }
}

/** `KEY=value` lines as a record (a value may itself contain `=`). */
export function envRecord(lines: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf('=');
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

export interface ContainerSummary {
  id: string;
  name: string;
  labels: Record<string, string>;
  imageId: string;
  running: boolean;
  status: string;
}

export async function listContainers(docker: Dockerode, labels: Record<string, string>): Promise<ContainerSummary[]> {
  try {
    const containers = await docker.listContainers({ all: true, filters: { label: labelFilters(labels) } });
    return containers.map((container) => ({
      id: container.Id,
      name: (container.Names[0] ?? '').replace(/^\//, ''),
      labels: container.Labels ?? {},
      imageId: container.ImageID,
      running: container.State === 'running',
      status: container.State,
    }));
  } catch (error) {
    throw dockerFailure(error, 'listing containers');
  }
}

const CHANGE_KIND: Record<number, FileChangeKind> = { 0: 'changed', 1: 'added', 2: 'deleted' };

/** Docker's container changes: paths changed against the image (mounted volumes are not included). */
export async function containerChanges(docker: Dockerode, id: string): Promise<FileChange[]> {
  try {
    const changes = ((await docker.getContainer(id).changes()) as { Path: string; Kind: number }[] | null) ?? [];
    return changes.map((change) => ({ path: change.Path, kind: CHANGE_KIND[change.Kind] ?? 'changed' }));
  } catch (error) {
    throw dockerFailure(error, `listing changes of container ${id.slice(0, 12)}`);
  }
}
