import * as vscode from 'vscode';
import { checkDotfilesUrl } from '../../core/hookPlan';
import { parseMemory } from '../../core/memory';
import { USER_NAME, WORKSPACE_NAME } from '../../core/names';
import type { SpecInput } from '../../core/spec';
import type { EngineView } from '../../api/views';
import { engineSummary } from '../../core/engineSummary';
import { api, reportError, type CommandContext } from './context';

/** Create Workspace: a multi-step input validated as you type, then a build followed in the output channel. */
export async function createWorkspace(context: CommandContext): Promise<void> {
  const settings = vscode.workspace.getConfiguration('drydock');
  const taken = new Set(context.cache.all().map((workspace) => workspace.name));
  // The engine is asked for only when there is a choice.
  const engines = await context.engines.reload().catch(() => context.engines.all());
  const steps = engines.length > 1 ? 6 : 5;
  const title = (step: number, what: string): string => `Create Workspace (${step}/${steps}): ${what}`;
  const name = await vscode.window.showInputBox({
    title: title(1, 'name'),
    prompt: 'Lowercase letters, digits and dashes',
    validateInput: (value) =>
      !WORKSPACE_NAME.test(value)
        ? 'Use 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit.'
        : taken.has(value)
          ? `${value} exists already.`
          : undefined,
  });
  if (!name) return;
  const image = await pickImage(context, settings.get<string>('defaultImage', ''), title(2, 'image'));
  if (!image) return;
  const user = await vscode.window.showInputBox({
    title: title(3, 'user'),
    prompt: "The image's user (empty: the image's USER)",
    value: settings.get<string>('defaultUser', ''),
    validateInput: (value) => (value && !USER_NAME.test(value) ? 'A POSIX user name, e.g. dev.' : undefined),
  });
  if (user === undefined) return;
  const resources = await vscode.window.showInputBox({
    title: title(4, 'CPUs and memory'),
    prompt: 'e.g. "2 4g"; empty for no limits',
    validateInput: (value) => {
      if (!value.trim()) return undefined;
      const [cpus, memory] = value.trim().split(/\s+/);
      if (!(Number(cpus) > 0)) return 'Start with a number of CPUs, e.g. 2 or 0.5.';
      try {
        if (memory) parseMemory(memory);
      } catch (error) {
        return (error as Error).message;
      }
      return undefined;
    },
  });
  if (resources === undefined) return;
  const dotfiles = await vscode.window.showInputBox({
    title: title(5, 'dotfiles repository'),
    prompt: 'Optional: https://github.com/you/dotfiles',
    validateInput: (value) => (value ? checkDotfilesUrl(value) : undefined),
  });
  if (dotfiles === undefined) return;
  const engine = engines.length > 1 ? await pickEngine(engines, title(6, 'engine')) : undefined;
  if (engines.length > 1 && engine === undefined) return;

  const [cpus, memory] = resources.trim() ? resources.trim().split(/\s+/) : [];
  const spec: SpecInput = {
    name,
    image,
    ...(user ? { user } : {}),
    ...(cpus ? { cpus: Number(cpus) } : {}),
    ...(memory ? { memory } : {}),
    ...(dotfiles ? { dotfiles: { url: dotfiles } } : {}),
  };
  try {
    context.output.reveal(name);
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Creating ${name}...` }, async () => {
      await (await api(context)).createWorkspace(spec, { build: true, ...(engine ? { engine } : {}) });
    });
    if (!context.current.name) await context.current.set(name);
  } catch (error) {
    reportError(context, `Could not create ${name}`, error, name);
  }
}

/**
 * The image: typed, or picked from the engine's own images (newest first)
 * and those of existing workspaces. A local image built or loaded on the
 * engine is used as is; one from a registry is pulled fresh on each build.
 */
async function pickImage(context: CommandContext, fallback: string, title: string): Promise<string | undefined> {
  const known = [...new Set(context.cache.all().map((workspace) => workspace.image))];
  const local = await (await api(context)).images().catch(() => []);
  const pick = vscode.window.createQuickPick();
  pick.title = title;
  pick.placeholder = 'Type an image reference (e.g. ubuntu:24.04) or pick one';
  const seen = new Set<string>();
  const item = (label: string, description?: string): vscode.QuickPickItem[] => {
    if (seen.has(label)) return [];
    seen.add(label);
    return [{ label, ...(description ? { description } : {}) }];
  };
  pick.items = [
    ...(fallback ? item(fallback, 'default') : []),
    ...known.flatMap((label) => item(label, 'used by a workspace')),
    ...local.flatMap((image) =>
      item(
        image.reference,
        `${image.fromRegistry ? 'local copy, pulled fresh on build' : 'local image'} · ${(image.sizeBytes / 1024 / 1024).toFixed(0)} MB · ${new Date(image.createdAt).toLocaleDateString()}`,
      ),
    ),
  ];
  pick.value = fallback;
  return new Promise((resolve) => {
    pick.onDidAccept(() => {
      const value = pick.selectedItems[0]?.label ?? pick.value;
      pick.hide();
      resolve(value.trim() || undefined);
    });
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
}

/** The engine the workspace will live on (for good: its home is there): auto, or one that answers, the default first. */
async function pickEngine(engines: EngineView[], title: string): Promise<string | undefined> {
  const ordered = [...engines].sort((a, b) => Number(b.default) - Number(a.default));
  const items: (vscode.QuickPickItem & { engine: string })[] = [
    { label: 'auto', description: 'the engine with the most memory free', engine: 'auto' },
    ...ordered.map((engine) => ({
      label: engine.name,
      description: `${engine.default ? 'default · ' : ''}${engineSummary({ ...engine, workspaces: engine.workspaces.length })}`,
      engine: engine.name,
    })),
  ];
  const chosen = await vscode.window.showQuickPick(items, { title, placeHolder: 'Where the workspace lives; it stays there (its home is there)' });
  return chosen?.engine;
}
