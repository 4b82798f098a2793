/**
 * `drydock daemon install|uninstall`: register the backend with the user's
 * service manager (systemd --user on Linux, launchd on macOS) so schedules
 * fire after a reboot even before VS Code is opened. Writing the file is the
 * part we own; activating it needs a user session bus, which containers and
 * `su`/SSH sessions often lack, so a failed activation becomes advice to the
 * user instead of an error.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { DrydockError, errorMessage, invalid } from '../core/errors';
import { writeFileAtomic } from '../files/atomicFile';
import { BACKEND_NODE_FLAGS } from './backendProcess';

export interface ServiceTarget {
  platform: NodeJS.Platform;
  home: string;
  nodePath: string;
  backendScript: string;
  /** Environment for the service, e.g. PATH and DRYDOCK_STATE_DIR when set. */
  env: Record<string, string>;
  /** $XDG_CONFIG_HOME when set: systemd --user reads units from there. */
  configHome?: string;
}

export type RunCommand = (cmd: string, args: string[]) => Promise<{ code: number; output: string }>;

export const SYSTEMD_UNIT = 'drydock.service';
export const LAUNCHD_LABEL = 'dev.drydock.backend';

export function systemdUnit(target: ServiceTarget): { path: string; content: string } {
  checkTarget(target);
  const configHome = target.configHome !== undefined && isAbsolute(target.configHome) ? target.configHome : join(target.home, '.config');
  const lines = [
    '[Unit]',
    'Description=Drydock workspaces backend',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[target.nodePath, ...BACKEND_NODE_FLAGS, target.backendScript, 'run'].map(execArg).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=5',
    ...Object.entries(target.env).map(([key, value]) => `Environment=${systemdQuote(`${key}=${value}`)}`),
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ];
  return { path: join(configHome, 'systemd', 'user', SYSTEMD_UNIT), content: lines.join('\n') };
}

export function launchdAgent(target: ServiceTarget): { path: string; content: string } {
  checkTarget(target);
  const str = (value: string) => `<string>${xmlEscape(value)}</string>`;
  const env = Object.entries(target.env).map(([key, value]) => `    <key>${xmlEscape(key)}</key>\n    ${str(value)}`);
  const content = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key>\n  ${str(LAUNCHD_LABEL)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[target.nodePath, ...BACKEND_NODE_FLAGS, target.backendScript, 'run'].map((arg) => `    ${str(arg)}`),
    '  </array>',
    '  <key>RunAtLoad</key>\n  <true/>',
    // Restart after a crash, but not after a clean `drydock daemon stop`.
    '  <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n  </dict>',
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    ...env,
    '  </dict>',
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
  return { path: join(target.home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`), content };
}

export async function installService(target: ServiceTarget, run: RunCommand = runCommand): Promise<{ path: string; commands: string[]; notes: string[] }> {
  const unit = serviceFile(target);
  const existed = existsSync(unit.path);
  await mkdir(dirname(unit.path), { recursive: true });
  // 0644: launchd refuses agents that group or others can write.
  await writeFileAtomic(unit.path, unit.content, 0o644);
  const runner = new Runner(run);
  const notes: string[] = [];
  if (target.platform === 'linux') {
    const ok = (await runner.step('systemctl', ['--user', 'daemon-reload'])) && (await runner.step('systemctl', ['--user', 'enable', '--now', SYSTEMD_UNIT]));
    if (!ok) {
      notes.push(...runner.failures);
      notes.push(
        `The unit is written to ${unit.path} but not active (systemd --user needs a user session, often missing in containers and su/SSH shells). ` +
          `Once one is available run: systemctl --user daemon-reload && systemctl --user enable --now ${SYSTEMD_UNIT}. Until then start the backend with \`drydock daemon start\`.`,
      );
    }
    notes.push('To have it start at boot without logging in, enable lingering once: loginctl enable-linger $USER');
  } else {
    // load fails on an already loaded agent; unload first so a reinstall picks up the new file.
    if (existed) await runner.step('launchctl', ['unload', unit.path], false);
    if (!(await runner.step('launchctl', ['load', '-w', unit.path]))) {
      notes.push(...runner.failures);
      notes.push(
        `The agent is written to ${unit.path} but not loaded. Run: launchctl load -w ${unit.path} (or start the backend with \`drydock daemon start\`).`,
      );
    }
  }
  return { path: unit.path, commands: runner.commands, notes };
}

export async function uninstallService(
  target: ServiceTarget,
  run: RunCommand = runCommand,
): Promise<{ path: string; removed: boolean; commands: string[]; notes: string[] }> {
  const unit = serviceFile(target);
  if (!existsSync(unit.path)) return { path: unit.path, removed: false, commands: [], notes: [`No service file at ${unit.path}; nothing to uninstall.`] };
  const runner = new Runner(run);
  const notes: string[] = [];
  const stopped =
    target.platform === 'linux'
      ? await runner.step('systemctl', ['--user', 'disable', '--now', SYSTEMD_UNIT])
      : await runner.step('launchctl', ['unload', '-w', unit.path]);
  await rm(unit.path, { force: true });
  if (target.platform === 'linux' && stopped) await runner.step('systemctl', ['--user', 'daemon-reload'], false);
  if (!stopped) {
    notes.push(...runner.failures);
    notes.push('The service file is removed, but a backend it started may still run until logout; stop it with `drydock daemon stop`.');
  }
  return { path: unit.path, removed: true, commands: runner.commands, notes };
}

function serviceFile(target: ServiceTarget): { path: string; content: string } {
  if (target.platform === 'linux') return systemdUnit(target);
  if (target.platform === 'darwin') return launchdAgent(target);
  throw new DrydockError(
    'invalid_input',
    `drydock daemon install supports Linux (systemd) and macOS (launchd), not ${target.platform}; start the backend with \`drydock daemon start\` instead (for example from a login script).`,
  );
}

/** Runs the activation commands, recording what ran and what failed, never throwing. */
class Runner {
  readonly commands: string[] = [];
  readonly failures: string[] = [];
  constructor(private readonly run: RunCommand) {}

  async step(cmd: string, args: string[], report = true): Promise<boolean> {
    const line = [cmd, ...args].join(' ');
    this.commands.push(line);
    let result: { code: number; output: string };
    try {
      result = await this.run(cmd, args);
    } catch (error) {
      result = { code: -1, output: errorMessage(error) };
    }
    if (result.code === 0) return true;
    if (report) this.failures.push(`\`${line}\` failed (exit ${result.code}${result.output.trim() ? `: ${result.output.trim()}` : ''}).`);
    return false;
  }
}

function runCommand(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (error === null) return resolve({ code: 0, output });
      const code = typeof error.code === 'number' ? error.code : error.code === 'ENOENT' ? 127 : 1;
      resolve({ code, output: output || (error.code === 'ENOENT' ? `${cmd}: command not found` : error.message) });
    });
  });
}

function checkTarget(target: ServiceTarget): void {
  if (!isAbsolute(target.nodePath)) throw invalid('nodePath', `must be an absolute path (the service manager has no PATH lookup), got "${target.nodePath}".`);
  if (!isAbsolute(target.backendScript)) throw invalid('backendScript', `must be an absolute path, got "${target.backendScript}".`);
  for (const [key, value] of Object.entries(target.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw invalid(`env.${key}`, 'is not a valid environment variable name; use letters, digits and _.');
    if (/[\n\r\0]/.test(value)) throw invalid(`env.${key}`, 'must not contain line breaks or NUL characters.');
  }
}

/** systemd unit files expand %-specifiers everywhere and C-style escapes inside quotes. */
function systemdQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

/** ExecStart also expands $VAR, so a literal $ is written $$; plain words stay unquoted for readability. */
function execArg(value: string): string {
  const escaped = value.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? escaped : `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
