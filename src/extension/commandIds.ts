/** Every command the extension contributes; a unit test keeps this equal to package.json's. */
export const COMMAND_IDS = [
  'drydock.create',
  'drydock.rebuild',
  'drydock.stop',
  'drydock.delete',
  'drydock.openTerminal',
  'drydock.showBuildLog',
  'drydock.setAutoStart',
  'drydock.setAutoOff',
  'drydock.extend',
  'drydock.setCurrent',
  'drydock.refresh',
  'drydock.statusBarActions',
  'drydock.openFolder',
  'drydock.addFolder',
  'drydock.attachDevContainers',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];
