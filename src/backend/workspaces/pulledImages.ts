import { errorMessage } from '../../core/errors';
import type { PulledImage } from '../lifecycle/imagePulls';
import type { EngineRuntime } from './engineRuntimes';
import type { PulledImageRecord } from './records';

/**
 * The images Drydock's pulls brought onto each engine, kept in the state
 * file: the only images it ever removes, once nothing on that engine uses
 * them. An image id names an image on one engine only, so every entry says
 * which engine it was pulled on (the state file's entries from before engines
 * had names read as the local engine's).
 */
export class PulledImages {
  private list: PulledImageRecord[] = [];

  constructor(
    private readonly save: () => void,
    private readonly log: (message: string) => void,
  ) {}

  load(stored: readonly PulledImageRecord[]): void {
    this.list = [...stored];
  }

  stored(): PulledImageRecord[] {
    return this.list;
  }

  /** A pull on `engine` changed what a tag points at. */
  remember(engine: string, image: PulledImage): void {
    if (this.list.some((each) => each.id === image.id && each.engine === engine)) return;
    this.list.push({ ...image, engine, at: new Date().toISOString() });
    this.save();
  }

  /** What was pulled on `engine`. */
  on(engine: string): PulledImageRecord[] {
    return this.list.filter((each) => each.engine === engine);
  }

  /**
   * After a successful rebuild on `runtime`'s engine: removes the images
   * Drydock pulled there that nothing there uses any more (no container of
   * anyone's on that engine, no record of a workspace living there, not the
   * image such a workspace's tag points at). Never the user's: an image
   * Drydock did not pull, or one that carries a tag other than the one
   * Drydock pulled, is left alone; the engine itself refuses one a container
   * uses. Skipped while another build or a pull runs on that engine (their
   * image may not be anyone's yet). Images on other engines are not looked at.
   */
  async removeUnused(runtime: EngineRuntime, workspaces: readonly { imageId?: string | undefined; reference?: string | undefined }[]): Promise<string[]> {
    if (!runtime.reachable || runtime.runner.running > 0 || runtime.lifecycle.pulls.active > 0) return [];
    const candidates = this.on(runtime.name);
    if (candidates.length === 0) return [];
    const { docker } = runtime;
    const used = new Set<string>();
    const references = new Set<string>();
    for (const workspace of workspaces) {
      if (workspace.imageId) used.add(workspace.imageId);
      if (workspace.reference) references.add(workspace.reference);
    }
    try {
      for (const container of await docker.containers.list({})) used.add(container.imageId);
      for (const reference of references) {
        const image = await docker.images.inspect(reference);
        if (image) used.add(image.id);
      }
      const removed: string[] = [];
      const forget = new Set<PulledImageRecord>();
      for (const pulled of candidates) {
        if (used.has(pulled.id)) continue;
        const image = await docker.images.inspect(pulled.id);
        if (!image)
          forget.add(pulled); // gone already
        else if (!image.repoTags.some((tag) => tag !== pulled.reference) && (await docker.images.remove(pulled.id))) {
          forget.add(pulled);
          removed.push(`${pulled.reference} (${pulled.id.slice(0, 19)})`);
        }
      }
      // Filtered, not replaced: a pull may have remembered an image meanwhile.
      this.list = this.list.filter((each) => !forget.has(each));
      if (forget.size > 0) this.save();
      if (removed.length > 0) this.log(`removed images Drydock pulled on engine ${runtime.name} that nothing there uses any more: ${removed.join(', ')}`);
      return removed;
    } catch (error) {
      this.log(`could not remove unused pulled images on engine ${runtime.name}: ${errorMessage(error)}`);
      return [];
    }
  }
}
