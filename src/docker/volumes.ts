import type Dockerode from 'dockerode';
import { dockerFailure, isNotFound } from './errors';
import type { VolumeInfo } from './types';

export async function inspectVolume(docker: Dockerode, name: string): Promise<VolumeInfo | undefined> {
  try {
    const info = await docker.getVolume(name).inspect();
    return { name: info.Name, labels: info.Labels ?? {}, createdAt: (info as { CreatedAt?: string }).CreatedAt ?? '' };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw dockerFailure(error, `inspecting volume ${name}`);
  }
}

export async function createVolume(docker: Dockerode, name: string, labels: Record<string, string>): Promise<VolumeInfo> {
  try {
    await docker.createVolume({ Name: name, Labels: labels });
    return { name, labels, createdAt: new Date().toISOString() };
  } catch (error) {
    throw dockerFailure(error, `creating volume ${name}`);
  }
}

export async function removeVolume(docker: Dockerode, name: string): Promise<void> {
  try {
    await docker.getVolume(name).remove();
  } catch (error) {
    if (isNotFound(error)) return;
    throw dockerFailure(error, `removing volume ${name}`);
  }
}

export async function listVolumes(docker: Dockerode, labels: Record<string, string>): Promise<VolumeInfo[]> {
  try {
    const result = await docker.listVolumes({ filters: { label: labelFilters(labels) } });
    return (result.Volumes ?? []).map((volume) => ({
      name: volume.Name,
      labels: volume.Labels ?? {},
      createdAt: (volume as { CreatedAt?: string }).CreatedAt ?? '',
    }));
  } catch (error) {
    throw dockerFailure(error, 'listing volumes');
  }
}

export function labelFilters(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([key, value]) => `${key}=${value}`);
}
