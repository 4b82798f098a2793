import { insideCommandPath } from '../../core/insideCommand';
import type { WorkspaceSpec } from '../../core/spec';
import type { ImageInfo } from '../../docker/adapter';
import type { InsideBuild } from './types';

/** Where the container's PATH finds the `drydock` command: the spec's PATH over the image's, as Docker merges them. */
export function insideCommandTarget(spec: WorkspaceSpec, image: ImageInfo): string {
  return insideCommandPath(spec.env.PATH ?? image.pathEnv);
}

/** The control folder and the `drydock` command, when Drydock inside the workspace is ready for this build. */
export function insideMounts(spec: WorkspaceSpec, image: ImageInfo, inside: InsideBuild | undefined): { bind: string; target: string; readOnly?: boolean }[] {
  if (inside?.kind !== 'ready') return [];
  return [inside.mount, { bind: inside.commandFile, target: insideCommandTarget(spec, image), readOnly: true }];
}
