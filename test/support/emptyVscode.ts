/** Stands in for the `vscode` module when a test only loads the extension bundle outside a host. */
export {};
