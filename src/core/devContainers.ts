/**
 * The folder URI that makes the Dev Containers extension
 * (ms-vscode-remote.remote-containers) attach to a running container:
 * `vscode-remote://attached-container+<hex of {"containerName":"/<name>"}><path>`.
 * Docker names containers with a leading slash, and that is what it expects.
 */
export function attachedContainerUri(container: string, path: string): string {
  const name = container.startsWith('/') ? container : `/${container}`;
  const bytes = new TextEncoder().encode(JSON.stringify({ containerName: name }));
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `vscode-remote://attached-container+${hex}${path.startsWith('/') ? path : `/${path}`}`;
}
